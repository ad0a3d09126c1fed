using FileApi.Data.Providers;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace FileApi.Http;

/// <summary>
/// Turns the exceptions that are not our bugs into the answers a client can act on: a request the framework could
/// not bind (malformed JSON, a wrong type, an oversized body) is a 4xx in every environment; a value the database
/// refuses is a 400 (a backstop: handlers validate first); a database or blob service that cannot be reached is a 503
/// with Retry-After, so clients and Event Grid try again. Anything else stays a 500 from the default handler.
/// </summary>
sealed partial class KnownFailures(IProblemDetailsService problems, IDatabaseErrors databaseErrors, ILogger<KnownFailures> logger) : IExceptionHandler
{
    // Long enough for a database failover or a restart; clients add their own backoff on top.
    internal const int RetryAfterSeconds = 5;

    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken cancellationToken)
    {
        var answer = Classify(exception);
        if (answer is null)
            return false;
        var (status, type, title, detail) = answer.Value;
        if (status == StatusCodes.Status503ServiceUnavailable)
        {
            LogUnavailable(exception);
            http.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        else
        {
            LogRefused(status, exception.Message);
        }

        http.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            Exception = exception,
            ProblemDetails = new ProblemDetails { Status = status, Type = type, Title = title, Detail = detail },
        });
    }

    (int Status, string Type, string Title, string Detail)? Classify(Exception exception)
    {
        foreach (var cause in Causes(exception))
        {
            switch (cause)
            {
                case BadHttpRequestException bad when bad.StatusCode == StatusCodes.Status413PayloadTooLarge:
                    return (bad.StatusCode, Problems.BodyTooLarge, "The request body is too large.", "Send a smaller body; JSON bodies of this API are small.");
                case BadHttpRequestException bad when bad.StatusCode is >= 400 and < 500:
                    // The framework's message names the parameter and what was wrong with it, never a value of ours.
                    return (bad.StatusCode, Problems.InvalidRequest, "The request is not valid.", bad.Message);
                case var database when databaseErrors.Classify(database) is { } failure && ForDatabase(failure) is { } answer:
                    return answer;
                // Storage.StorageRequestException is one too.
                case Azure.RequestFailedException { Status: 0 or >= 500 }:
                    return (StatusCodes.Status503ServiceUnavailable, Problems.StorageUnavailable, "Blob storage is unavailable.",
                        "The service cannot reach blob storage right now. Try again shortly.");
            }
        }
        return null;
    }

    static (int Status, string Type, string Title, string Detail)? ForDatabase(DatabaseFailure failure) => failure switch
    {
        DatabaseFailure.ValueTooLong =>
            (StatusCodes.Status400BadRequest, Problems.InvalidRequest, "A value is too long.", "A text value is longer than this API stores."),
        DatabaseFailure.UnstorableCharacter =>
            (StatusCodes.Status400BadRequest, Problems.InvalidRequest, "A value has a character that cannot be stored.",
                "A text value has a NUL or another character that cannot be stored."),
        DatabaseFailure.Unavailable =>
            (StatusCodes.Status503ServiceUnavailable, Problems.DatabaseUnavailable, "The database is unavailable.",
                "The service cannot reach its database right now. Try again shortly."),
        _ => null,
    };

    /// <summary>The exception and everything it wraps: EF wraps provider errors, Azure.Core aggregates retried ones.</summary>
    static IEnumerable<Exception> Causes(Exception exception)
    {
        var pending = new Stack<Exception>([exception]);
        while (pending.TryPop(out var next))
        {
            yield return next;
            if (next is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions)
                    pending.Push(inner);
            }
            else if (next.InnerException is { } inner)
            {
                pending.Push(inner);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A dependency is unavailable; answering 503")]
    private partial void LogUnavailable(Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Refused a request with {Status}: {Reason}")]
    private partial void LogRefused(int status, string reason);
}
