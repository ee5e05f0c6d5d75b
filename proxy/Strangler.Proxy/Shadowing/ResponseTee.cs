using System.Buffers;

namespace Strangler.Proxy.Shadowing;

/// <summary>
/// Wraps the client's response body: everything still goes to the client as it arrives, and the first
/// <c>limit</c> bytes are also kept (pooled buffer) for the shadow comparison.
/// </summary>
internal sealed class ResponseTee(Stream inner, int limit) : Stream
{
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(Math.Min(limit, 16 * 1024));
    private int _length;

    /// <summary>True when the body was longer than the limit (the copy is incomplete).</summary>
    public bool Truncated { get; private set; }

    public ReadOnlyMemory<byte> Captured => _buffer.AsMemory(0, _length);

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count)
    {
        Keep(buffer.AsSpan(offset, count));
        inner.Write(buffer, offset, count);
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Keep(buffer.Span);
        await inner.WriteAsync(buffer, cancellationToken);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush() => inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>Returns the captured bytes as an owned array and releases the pooled buffer.</summary>
    public byte[] TakeCaptured()
    {
        var copy = Captured.ToArray();
        Release();
        return copy;
    }

    protected override void Dispose(bool disposing)
    {
        Release();
        base.Dispose(disposing);
    }

    private void Keep(ReadOnlySpan<byte> data)
    {
        if (Truncated || data.IsEmpty)
        {
            return;
        }

        if (_length + data.Length > limit)
        {
            Truncated = true;
            return;
        }

        if (_length + data.Length > _buffer.Length)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Min(limit, Math.Max(_buffer.Length * 2, _length + data.Length)));
            _buffer.AsSpan(0, _length).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = bigger;
        }

        data.CopyTo(_buffer.AsSpan(_length));
        _length += data.Length;
    }

    private void Release()
    {
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
            _length = 0;
        }
    }
}
