using System.Globalization;
using FileApi.Benchmarks;

// dotnet run -c Release --project bench/FileApi.Benchmarks -- [all|register|poll|ready|wakeup|events|listing|standin|upload ...] [--quick]
//   [--duration SECONDS] [--events 1000,5000] [--files 1000000] [--blobs 10000,100000] [--upload-mib 1024]
// Starts its own PostgreSQL, Azurite, API (Kestrel on loopback) and event stand-in; prints one table.
// The .NET SDK's side of the upload section runs in a process of its own, so its peak RSS is its own.
if (args is ["--sdk-upload", ..])
    return await UploadBenchmark.SdkUploadAsync(args);

var settings = BenchSettings.Parse(args);
var report = new Report();
await using var stack = await BenchStack.StartAsync();
Console.WriteLine($"API on {stack.BaseAddress}; sections: {string.Join(", ", settings.Sections)}");

var sections = new (string Name, Func<BenchStack, BenchSettings, Report, Task> Run)[]
{
    ("register", RequestBenchmarks.RegisterAsync),
    ("poll", RequestBenchmarks.PollAsync),
    ("ready", EventBenchmarks.ReadyByCompletionAsync),
    ("ready", EventBenchmarks.ReadyByEventAsync),
    ("wakeup", WakeupBenchmark.RunAsync),
    ("events", EventBenchmarks.WebhookAsync),
    ("listing", ListingBenchmark.RunAsync),
    ("standin", StandIn.IdleCpuAsync),
    ("upload", UploadBenchmark.RunAsync),
};
foreach (var (name, run) in sections.Where(s => settings.Sections.Contains(s.Name)))
{
    Console.WriteLine($"[{DateTimeOffset.UtcNow:HH:mm:ss}] {name}...");
    await run(stack, settings, report);
}
report.Print("scripts/bench " + string.Join(' ', args));
return 0;

sealed record BenchSettings(
    HashSet<string> Sections, TimeSpan Warmup, TimeSpan Duration, int[] EventBatches, int ReadySamples,
    int ListingFiles, int ListingPage, int ListingSamples, int[] IdleBlobs, TimeSpan IdleWindow, int UploadMiB)
{
    static readonly string[] All = ["register", "poll", "ready", "wakeup", "events", "listing", "standin", "upload"];

    public static BenchSettings Parse(string[] args)
    {
        var quick = args.Contains("--quick");
        var settings = new BenchSettings([], TimeSpan.FromSeconds(quick ? 2 : 5), TimeSpan.FromSeconds(quick ? 5 : 15),
            [1000, 5000], quick ? 60 : 200, quick ? 100_000 : 1_000_000, 1000, quick ? 10 : 30,
            quick ? [1000, 10_000] : [10_000, 100_000], TimeSpan.FromSeconds(quick ? 5 : 10), quick ? 256 : 1024);
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--quick": break;
                case "--duration": settings = settings with { Duration = TimeSpan.FromSeconds(int.Parse(args[++i], CultureInfo.InvariantCulture)) }; break;
                case "--events": settings = settings with { EventBatches = Numbers(args[++i]) }; break;
                case "--files": settings = settings with { ListingFiles = int.Parse(args[++i], CultureInfo.InvariantCulture) }; break;
                case "--blobs": settings = settings with { IdleBlobs = Numbers(args[++i]) }; break;
                case "--upload-mib": settings = settings with { UploadMiB = int.Parse(args[++i], CultureInfo.InvariantCulture) }; break;
                case "all": settings.Sections.UnionWith(All); break;
                case var section when All.Contains(section): settings.Sections.Add(section); break;
                default: throw new ArgumentException($"Unknown argument '{args[i]}'. Sections: all, {string.Join(", ", All)}; options: --quick --duration --events --files --blobs --upload-mib");
            }
        }
        if (settings.Sections.Count == 0)
            settings.Sections.UnionWith(All);
        return settings;
    }

    static int[] Numbers(string list) => list.Split(',').Select(n => int.Parse(n, CultureInfo.InvariantCulture)).ToArray();
}
