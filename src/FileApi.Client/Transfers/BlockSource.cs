using Microsoft.Win32.SafeHandles;

namespace FileApi.Client.Transfers;

/// <summary>Content to upload, read a block at a time at any offset, so no more than the blocks in flight is ever held.</summary>
abstract class BlockSource : IDisposable
{
    public abstract long Length { get; }

    /// <summary>Fills <paramref name="buffer"/> with the content at <paramref name="offset"/> (content offsets start at 0).</summary>
    public abstract ValueTask ReadAsync(Memory<byte> buffer, long offset, CancellationToken cancellationToken);

    public virtual void Dispose() { }

    public static BlockSource ForFile(string path) => new FileSource(path);

    public static BlockSource ForStream(Stream stream) => new StreamSource(stream);

    protected static IOException ChangedWhileReading() =>
        new("The content became shorter while it was being uploaded; upload it again once it no longer changes.");

    /// <summary>Reads with positional I/O: workers read their blocks in parallel, without sharing a file position.</summary>
    sealed class FileSource : BlockSource
    {
        readonly SafeFileHandle _handle;

        public FileSource(string path)
        {
            _handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.Asynchronous);
            Length = RandomAccess.GetLength(_handle);
        }

        public override long Length { get; }

        public override async ValueTask ReadAsync(Memory<byte> buffer, long offset, CancellationToken cancellationToken)
        {
            while (buffer.Length > 0)
            {
                var read = await RandomAccess.ReadAsync(_handle, buffer, offset, cancellationToken);
                if (read == 0)
                    throw ChangedWhileReading();
                buffer = buffer[read..];
                offset += read;
            }
        }

        public override void Dispose() => _handle.Dispose();
    }

    /// <summary>
    /// A seekable stream, from its position when the upload started; reads take turns because a stream has one
    /// position. The position is put back at the end, so the same stream can be uploaded again (or resumed) as it is.
    /// </summary>
    sealed class StreamSource : BlockSource
    {
        readonly Stream _stream;
        readonly long _start;
        readonly SemaphoreSlim _turn = new(1, 1);

        public StreamSource(Stream stream)
        {
            if (!stream.CanSeek || !stream.CanRead)
                throw new ArgumentException("The stream must be readable and seekable (its length and block offsets are needed to upload in parallel and resume).", nameof(stream));
            _stream = stream;
            _start = stream.Position;
            Length = stream.Length - _start;
        }

        public override long Length { get; }

        public override async ValueTask ReadAsync(Memory<byte> buffer, long offset, CancellationToken cancellationToken)
        {
            await _turn.WaitAsync(cancellationToken);
            try
            {
                _stream.Position = _start + offset;
                try
                {
                    await _stream.ReadExactlyAsync(buffer, cancellationToken);
                }
                catch (EndOfStreamException)
                {
                    throw ChangedWhileReading();
                }
            }
            finally
            {
                _turn.Release();
            }
        }

        public override void Dispose()
        {
            _turn.Dispose();
            if (_stream.CanSeek)
                _stream.Position = _start;
        }
    }
}
