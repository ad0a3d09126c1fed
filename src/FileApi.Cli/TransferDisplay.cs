using System.Diagnostics;
using System.Globalization;
using FileApi.Client;
using Spectre.Console;

namespace FileApi.Cli;

/// <summary>
/// Progress of one transfer on stderr: a bar with throughput and time left on a terminal; otherwise a short line
/// every few seconds, so logs stay readable; nothing with <c>--quiet</c>.
/// </summary>
static class TransferDisplay
{
    public static async Task<T> RunAsync<T>(CliHost host, bool quiet, string description, Func<IProgress<(long Done, long Total)>, Task<T>> transfer)
    {
        if (quiet)
            return await transfer(new SynchronousProgress<(long Done, long Total)>(_ => { }));
        if (!host.Interactive)
            return await transfer(new LineProgress(host.Error, description));

        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(host.Error) });
        return await console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn(),
                new TransferSpeedColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask(Markup.Escape(description), maxValue: 1);
                var result = await transfer(new SynchronousProgress<(long Done, long Total)>(report =>
                {
                    task.MaxValue = Math.Max(report.Total, 1);
                    task.Value = report.Total == 0 ? 1 : report.Done;
                }));
                task.StopTask();
                return result;
            });
    }

    public static string Bytes(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        double value = bytes;
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? $"{bytes} B" : string.Create(CultureInfo.InvariantCulture, $"{value:0.0} {units[unit]}");
    }

    sealed class LineProgress(TextWriter output, string description) : IProgress<(long Done, long Total)>
    {
        static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);
        readonly Stopwatch _clock = Stopwatch.StartNew();
        readonly Lock _gate = new();
        TimeSpan _lastLine = -Interval;
        long? _start;

        public void Report((long Done, long Total) value)
        {
            lock (_gate)
            {
                var finished = value.Done >= value.Total;
                if (!finished && _clock.Elapsed - _lastLine < Interval)
                    return;
                _lastLine = _clock.Elapsed;
                // Throughput of this run only: bytes a resumed transfer already had are not "fast".
                _start ??= value.Done;
                var seconds = Math.Max(_clock.Elapsed.TotalSeconds, 0.001);
                var rate = (value.Done - _start.Value) / seconds;
                var percent = value.Total == 0 ? 100 : value.Done * 100 / value.Total;
                var eta = finished || rate <= 0 ? "" : $" ETA {TimeSpan.FromSeconds(Math.Ceiling((value.Total - value.Done) / rate)):c}";
                output.WriteLine($"{description}: {percent}% {Bytes(value.Done)}/{Bytes(value.Total)} {Bytes((long)rate)}/s{eta}");
            }
        }
    }
}
