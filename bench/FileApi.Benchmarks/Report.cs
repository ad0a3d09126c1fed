using System.Globalization;

namespace FileApi.Benchmarks;

/// <summary>The one table the bench prints: each figure beside its baseline, and their ratio, from the same run.</summary>
sealed class Report
{
    readonly List<string[]> _rows = [];

    public void Add(string measure, string figure, string baseline, double? ratio, string note = "")
    {
        _rows.Add([measure, figure, baseline, ratio is { } r ? r.ToString("F2", CultureInfo.InvariantCulture) : "", note]);
        Console.WriteLine($"  {measure}: {figure} | {baseline} | {(ratio is { } x ? x.ToString("F2", CultureInfo.InvariantCulture) : "")} {note}");
    }

    public void Print(string command)
    {
        Console.WriteLine();
        Console.WriteLine($"{DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}; `{command}`");
        Console.WriteLine();
        Console.WriteLine("| measure | figure | baseline (same run) | ratio | |");
        Console.WriteLine("| --- | ---: | ---: | ---: | --- |");
        foreach (var row in _rows)
            Console.WriteLine("| " + string.Join(" | ", row) + " |");
    }

    public static string Ms(double ms) => ms.ToString(ms < 10 ? "F1" : "F0", CultureInfo.InvariantCulture) + " ms";

    public static string Rate(LoadResult r) =>
        string.Create(CultureInfo.InvariantCulture, $"{r.PerSecond:F0}/s, p50 {Ms(r.P50Ms)}, p99 {Ms(r.P99Ms)}")
        + (r.CpuMsPerRequest is { } cpu ? string.Create(CultureInfo.InvariantCulture, $", API CPU {cpu:F2} ms/request") : "") + (r.Errors > 0 ? $", {r.Errors} errors" : "");
}
