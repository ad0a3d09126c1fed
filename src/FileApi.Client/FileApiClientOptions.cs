using System.Buffers;
using Azure.Core;

namespace FileApi.Client;

/// <summary>Settings of a <see cref="FileApiClient"/>: where the API is, how to authenticate, and how transfers behave.</summary>
public class FileApiClientOptions
{
    /// <summary>The API's base address, e.g. <c>https://files.example.com/</c>. When null, the API HttpClient's <see cref="HttpClient.BaseAddress"/> is used.</summary>
    public Uri? BaseUri { get; set; }

    /// <summary>
    /// An Azure.Core credential (Azure.Identity's DefaultAzureCredential, InteractiveBrowserCredential, ...), asked for a
    /// token for <see cref="Scopes"/> before every API call, as Azure SDK clients do; it caches and renews tokens itself,
    /// so a transfer of any length keeps a valid token. Takes precedence over <see cref="TokenProvider"/> and <see cref="Token"/>.
    /// </summary>
    public TokenCredential? Credential { get; set; }

    /// <summary>The API's scope for <see cref="Credential"/>, e.g. <c>api://{api-client-id}/access_as_user</c>.</summary>
    public string[] Scopes { get; set; } = [];

    /// <summary>A fixed bearer token. Ignored when <see cref="Credential"/> or <see cref="TokenProvider"/> is set.</summary>
    public string? Token { get; set; }

    /// <summary>Asked for a bearer token before every API call (cache inside it; it is called often). Ignored when <see cref="Credential"/> is set.</summary>
    public Func<CancellationToken, ValueTask<string>>? TokenProvider { get; set; }

    /// <summary>Size of one block of an upload. Memory used by an upload is about BlockSize x MaxConcurrency, whatever the file size.</summary>
    public int BlockSize { get; set; } = 8 * 1024 * 1024;

    /// <summary>How many blocks are sent at once.</summary>
    public int MaxConcurrency { get; set; } = 4;

    /// <summary>An upload link is renewed once it has less than this left, before storage would reject it.</summary>
    public TimeSpan RenewBeforeExpiry { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How long an upload waits, after committing its blocks, for the version to become ready.</summary>
    public TimeSpan ReadinessTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Retries of API calls, blocks and downloads.</summary>
    public FileApiRetryOptions Retry { get; } = new();

    /// <summary>Added to the User-Agent header, to tell your application apart in the service's logs.</summary>
    public string? ApplicationId { get; set; }

    /// <summary>Where transfer buffers are rented from. Every buffer is returned when its transfer ends.</summary>
    public ArrayPool<byte> BufferPool { get; set; } = ArrayPool<byte>.Shared;

    /// <summary>The clock used for link expiry.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    internal const int MaxBlockSize = 1024 * 1024 * 1024;

    internal void Validate()
    {
        if (BlockSize is < 1 or > MaxBlockSize)
            throw new ArgumentOutOfRangeException(nameof(BlockSize), BlockSize, "BlockSize must be between 1 byte and 1 GiB.");
        if (MaxConcurrency < 1)
            throw new ArgumentOutOfRangeException(nameof(MaxConcurrency), MaxConcurrency, "MaxConcurrency must be at least 1.");
        if (Credential is not null && Scopes.Length == 0)
            throw new ArgumentException("Set Scopes (the API's scope) with Credential.", nameof(Scopes));
        if (Retry.MaxRetries < 0)
            throw new ArgumentOutOfRangeException(nameof(Retry), Retry.MaxRetries, "Retry.MaxRetries cannot be negative.");
    }
}

/// <summary>
/// Exponential backoff with jitter, for network errors and answers 408, 429 and 5xx. A <c>Retry-After</c>
/// header, when present, sets the delay instead.
/// </summary>
public class FileApiRetryOptions
{
    /// <summary>Retries after the first attempt.</summary>
    public int MaxRetries { get; set; } = 5;

    /// <summary>The first delay; each further one doubles, with jitter.</summary>
    public TimeSpan Delay { get; set; } = TimeSpan.FromMilliseconds(800);

    /// <summary>The longest delay between two attempts.</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(30);
}
