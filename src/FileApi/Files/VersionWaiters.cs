using System.Collections.Concurrent;

namespace FileApi.Files;

/// <summary>
/// Wakes long-polls (<c>GET ...?version_id=&amp;wait=</c>) in this instance the moment a version finishes
/// here; polls also re-read the database on a short interval, which covers other instances.
/// </summary>
public sealed class VersionWaiters
{
    readonly ConcurrentDictionary<(Guid FileId, long VersionId), TaskCompletionSource> _waiting = new();

    public Task WhenFinished(Guid fileId, long versionId) =>
        _waiting.GetOrAdd((fileId, versionId), _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    /// <summary>A poll that stops waiting drops the entry; others waiting on it still re-read the database.</summary>
    public void Forget(Guid fileId, long versionId) => _waiting.TryRemove((fileId, versionId), out _);

    public void Finished(Guid fileId, long versionId)
    {
        if (_waiting.TryRemove((fileId, versionId), out var waiters))
            waiters.TrySetResult();
    }
}
