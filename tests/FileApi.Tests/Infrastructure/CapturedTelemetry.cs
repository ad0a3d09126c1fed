using System.Collections.ObjectModel;
using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace FileApi.Tests.Infrastructure;

/// <summary>A list that exporters and loggers on any thread may add to while a test reads copies of it.</summary>
public sealed class ConcurrentList<T> : Collection<T>
{
    readonly Lock _gate = new();

    protected override void InsertItem(int index, T item)
    {
        lock (_gate)
            base.InsertItem(index, item);
    }

    public List<T> Snapshot()
    {
        lock (_gate)
            return [.. this];
    }
}

/// <summary>
/// Keeps every log entry the app writes, as text: the formatted message, each structured value and the exception,
/// so a test can search all of it, not only what a console would show.
/// </summary>
public sealed class CapturingLoggerProvider : ILoggerProvider
{
    public ConcurrentList<string> Entries { get; } = [];

    public ILogger CreateLogger(string categoryName) => new CapturingLogger(categoryName, Entries);

    public void Dispose()
    {
    }

    sealed class CapturingLogger(string category, ConcurrentList<string> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull
        {
            entries.Add($"{category} scope: {Describe(state)}");
            return null;
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            entries.Add($"{category} {logLevel}: {formatter(state, exception)} | {Describe(state)} | {exception}");

        static string Describe(object? state) => state is IEnumerable<KeyValuePair<string, object?>> values
            ? string.Join("; ", values.Select(value => $"{value.Key}={value.Value}"))
            : state?.ToString() ?? "";
    }
}

public static class ActivityText
{
    /// <summary>Everything a span carries that an exporter sends: names, attributes, events, links' attributes, status, baggage.</summary>
    public static string Describe(Activity span) => string.Join(" | ",
    [
        span.Source.Name, span.DisplayName, span.OperationName, span.StatusDescription ?? "",
        .. span.TagObjects.Select(tag => $"{tag.Key}={tag.Value}"),
        .. span.Events.SelectMany(e => e.Tags.Select(tag => $"{e.Name}:{tag.Key}={tag.Value}").Append(e.Name)),
        .. span.Links.SelectMany(link => link.Tags?.Select(tag => $"{tag.Key}={tag.Value}") ?? []),
        .. span.Baggage.Select(item => $"{item.Key}={item.Value}"),
    ]);
}
