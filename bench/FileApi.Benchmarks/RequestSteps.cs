using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace FileApi.Benchmarks;

/// <summary>
/// Where one request's time goes: the storage calls and database commands the API made for it, each with its duration,
/// from the spans HttpClient and Npgsql raise. The bench's own request is the root of the trace (its traceparent reaches
/// the API), so only work done for that request is counted, never a background service's.
/// </summary>
sealed class RequestSteps : IDisposable
{
    static readonly ActivitySource Bench = new("FileApi.Benchmarks");

    readonly ActivityListener _listener;
    readonly int _storagePort;
    readonly ConcurrentBag<Step> _steps = [];
    volatile Activity? _root;

    /// <summary>One storage call (<c>HEAD</c>, <c>PUT comp=lease</c>), one database command (its first SQL word), or the request itself as the API (server) and the bench (client) saw it.</summary>
    public sealed record Step(ActivityTraceId Trace, string Kind, string Name, DateTime Start, double Ms);

    public RequestSteps(Uri storage)
    {
        _storagePort = storage.Port;
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is "FileApi.Benchmarks" or "System.Net.Http" or "Npgsql" or "Microsoft.AspNetCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> options) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = Record,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>Runs <paramref name="request"/> under a root span and answers the steps made for it, in the order they started.</summary>
    public async Task<IReadOnlyList<Step>> TraceAsync(Func<Task> request)
    {
        using var root = Bench.StartActivity("request")!;
        _root = root;
        try
        {
            await request();
        }
        finally
        {
            _root = null;
        }
        return [.. _steps.Where(s => s.Trace == root.TraceId).OrderBy(s => s.Start)];
    }

    void Record(Activity activity)
    {
        if (_root is not { } root || activity.TraceId != root.TraceId)
            return;
        if (activity.Source.Name == "Microsoft.AspNetCore")
            _steps.Add(new Step(activity.TraceId, "server", activity.DisplayName, activity.StartTimeUtc, activity.Duration.TotalMilliseconds));
        else if (activity.Source.Name == "System.Net.Http" && activity.GetTagItem("server.port") is int apiPort && apiPort != _storagePort)
            _steps.Add(new Step(activity.TraceId, "client", activity.DisplayName, activity.StartTimeUtc, activity.Duration.TotalMilliseconds));
        else if (activity.Source.Name == "System.Net.Http" && activity.GetTagItem("server.port") is int port && port == _storagePort)
        {
            var url = activity.GetTagItem("url.full") as string ?? "";
            var comp = url.Contains("comp=", StringComparison.Ordinal) ? " " + url[url.IndexOf("comp=", StringComparison.Ordinal)..].Split('&')[0] : "";
            _steps.Add(new Step(activity.TraceId, "storage", $"{activity.GetTagItem("http.request.method")}{comp}", activity.StartTimeUtc, activity.Duration.TotalMilliseconds));
        }
        else if (activity.Source.Name == "Npgsql")
        {
            var sql = (activity.GetTagItem("db.query.text") ?? activity.GetTagItem("db.statement")) as string ?? activity.DisplayName;
            _steps.Add(new Step(activity.TraceId, "database", sql.TrimStart().Split([' ', '\n', '\r'], 2)[0], activity.StartTimeUtc, activity.Duration.TotalMilliseconds));
        }
    }

    /// <summary>
    /// "2 storage calls (HEAD, PUT) waited 3.1 ms, 7 database commands (SELECT, ...) waited 4.2 ms; in the API 9.0 of 9.8 ms":
    /// means per request, where waited is the time at least one of them was in flight (calls made at once overlap), and the
    /// last part is the API's own span of the request against the bench client's, so what neither storage nor the database
    /// waited is split into the API's work and the socket and client around it.
    /// </summary>
    public static string Summary(IReadOnlyList<IReadOnlyList<Step>> requests)
    {
        string Part(string kind, string noun)
        {
            var first = requests[0].Where(s => s.Kind == kind).Select(s => s.Name).ToList();
            var count = requests.Average(r => r.Count(s => s.Kind == kind));
            var waited = requests.Average(r => InFlightMs([.. r.Where(s => s.Kind == kind)]));
            return string.Create(CultureInfo.InvariantCulture, $"{count:0.#} {noun} ({string.Join(", ", first)}) waited {Report.Ms(waited)}");
        }
        double Mean(string kind) => requests.Average(r => r.Where(s => s.Kind == kind).Sum(s => s.Ms));
        return $"{Part("storage", "storage calls")}, {Part("database", "database commands")}; in the API {Report.Ms(Mean("server"))} of {Report.Ms(Mean("client"))}";
    }

    static double InFlightMs(IReadOnlyList<Step> steps)
    {
        var (total, end) = (0.0, DateTime.MinValue);
        foreach (var step in steps.OrderBy(s => s.Start))
        {
            var stepEnd = step.Start.AddMilliseconds(step.Ms);
            if (stepEnd <= end)
                continue;
            total += (stepEnd - (step.Start > end ? step.Start : end)).TotalMilliseconds;
            end = stepEnd;
        }
        return total;
    }

    public void Dispose() => _listener.Dispose();
}
