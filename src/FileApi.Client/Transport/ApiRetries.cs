using System.Net;
using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace FileApi.Client.Transport;

/// <summary>
/// Retries of API calls, with Microsoft.Extensions.Http.Resilience's HTTP retry strategy (its transient answers,
/// its Retry-After handling). A call that must not happen twice is repeated only when the server cannot have acted on it.
/// </summary>
static class ApiRetries
{
    public static ResiliencePipeline<HttpResponseMessage> Create(FileApiRetryOptions retry, bool idempotent)
    {
        if (retry.MaxRetries == 0)
            return ResiliencePipeline<HttpResponseMessage>.Empty;

        var options = new HttpRetryStrategyOptions
        {
            MaxRetryAttempts = retry.MaxRetries,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = retry.Delay,
            MaxDelay = retry.MaxDelay,
            OnRetry = args =>
            {
                args.Outcome.Result?.Dispose();
                return default;
            },
        };
        if (idempotent)
        {
            var transient = options.ShouldHandle;
            // Also an HttpClient timeout, which the library's predicate leaves alone; never the caller's own cancellation.
            options.ShouldHandle = async args => await transient(args)
                || args.Outcome.Exception is OperationCanceledException && !args.Context.CancellationToken.IsCancellationRequested;
        }
        else
        {
            options.ShouldHandle = args => ValueTask.FromResult(NeverReachedTheServer(args.Outcome));
        }
        return new ResiliencePipelineBuilder<HttpResponseMessage>().AddRetry(options).Build();
    }

    /// <summary>
    /// No connection was made (nothing was sent), or the server refused the call unread (429). Any other failure may
    /// come after the server acted: a dropped connection while waiting for the answer, a timeout, a 5xx.
    /// </summary>
    public static bool NeverReachedTheServer(Outcome<HttpResponseMessage> outcome) =>
        outcome.Result?.StatusCode == HttpStatusCode.TooManyRequests
        || outcome.Exception is HttpRequestException { HttpRequestError: HttpRequestError.NameResolutionError or HttpRequestError.ConnectionError };

    /// <summary>Network failures and HttpClient timeouts; never the caller's own cancellation.</summary>
    public static bool IsNetworkFailure(Exception exception, CancellationToken cancellationToken) => exception switch
    {
        HttpRequestException or IOException => true,
        OperationCanceledException => !cancellationToken.IsCancellationRequested,
        _ => false,
    };
}
