namespace FileApi.Files;

/// <summary>
/// Wakes long-polls (<c>GET ...?version_id=&amp;wait=</c>) and <c>complete</c> in this instance the moment a version
/// finishes here; they also re-read the database on a short interval, which covers other instances. Each
/// <see cref="WhenFinished"/> is paired with a <see cref="Forget"/>, so one waiter giving up leaves the others waiting.
/// </summary>
public sealed class VersionWaiters
{
    sealed class Waiting
    {
        public readonly TaskCompletionSource Finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public int Count;
    }

    readonly Dictionary<(Guid FileId, long VersionId), Waiting> _waiting = [];
    readonly Lock _lock = new();

    public Task WhenFinished(Guid fileId, long versionId)
    {
        lock (_lock)
        {
            if (!_waiting.TryGetValue((fileId, versionId), out var waiting))
                _waiting[(fileId, versionId)] = waiting = new Waiting();
            waiting.Count++;
            return waiting.Finished.Task;
        }
    }

    public void Forget(Guid fileId, long versionId)
    {
        lock (_lock)
        {
            if (_waiting.TryGetValue((fileId, versionId), out var waiting) && --waiting.Count <= 0)
                _waiting.Remove((fileId, versionId));
        }
    }

    public void Finished(Guid fileId, long versionId)
    {
        Waiting? waiting;
        lock (_lock)
        {
            if (!_waiting.Remove((fileId, versionId), out waiting))
                return;
        }
        waiting.Finished.TrySetResult();
    }
}
