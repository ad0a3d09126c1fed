using System.Net;
using Polly;
using Polly.Retry;

namespace FileApi.Client.Transport;

/// <summary>One retry policy for every request the client sends: API calls, blocks and downloads.</summary>
static class Retries
{
    public static ResiliencePipeline<HttpResponseMessage> Create(FileApiRetryOptions retry, bool transientAnswersOnly = false)
    {
        if (retry.MaxRetries == 0)
            return ResiliencePipeline<HttpResponseMessage>.Empty;

        return new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = retry.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = retry.Delay,
                MaxDelay = retry.MaxDelay,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Result is { } response
                    ? transientAnswersOnly ? response.StatusCode == HttpStatusCode.TooManyRequests : IsTransient(response.StatusCode)
                    : IsTransient(args.Outcome.Exception, args.Context.CancellationToken)),
                DelayGenerator = args => ValueTask.FromResult(
                    args.Outcome.Result is { } response && FileApiException.RetryAfterOf(response) is { } wait ? Min(wait, retry.MaxDelay) : (TimeSpan?)null),
                OnRetry = args =>
                {
                    args.Outcome.Result?.Dispose();
                    return default;
                },
            })
            .Build();
    }

    /// <summary>A delay of the same exponential, jittered kind, for loops that retry on their own terms.</summary>
    public static TimeSpan Backoff(FileApiRetryOptions retry, int attempt)
    {
        var exponential = retry.Delay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 30));
        var jittered = exponential * (0.5 + Random.Shared.NextDouble() / 2);
        return TimeSpan.FromMilliseconds(Math.Min(jittered, retry.MaxDelay.TotalMilliseconds));
    }

    public static bool IsTransient(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests
        || ((int)status >= 500 && status is not HttpStatusCode.NotImplemented and not HttpStatusCode.HttpVersionNotSupported);

    /// <summary>Network failures and HttpClient timeouts; never the caller's own cancellation.</summary>
    public static bool IsTransient(Exception? exception, CancellationToken cancellationToken) => exception switch
    {
        HttpRequestException or IOException => true,
        OperationCanceledException => !cancellationToken.IsCancellationRequested,
        _ => false,
    };

    static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
