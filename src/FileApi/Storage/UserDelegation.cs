// User delegation SAS: how links are signed when the app has no account key (in Azure, where the account allows
// no shared key). The app asks the service for a user delegation key with its own Entra token, and signs links
// with that key; each link names the key's identity, so storage knows whose permissions it borrows.
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Azure.Core;

namespace FileApi.Storage;

/// <summary>A key from Get User Delegation Key, and the identity that links signed with it carry.</summary>
internal sealed record UserDelegationKey(
    string ObjectId,
    string TenantId,
    DateTimeOffset StartsOn,
    DateTimeOffset ExpiresOn,
    string Service,
    string Version,
    byte[] Value);

/// <summary>Signs a user delegation SAS with the key that <paramref name="keyFor"/> gives for the link's expiry.</summary>
internal sealed class UserDelegationSasSigner(string accountName, Func<DateTimeOffset, UserDelegationKey> keyFor) : ISasSigner
{
    public IEnumerable<KeyValuePair<string, string>> Sign(BlobSasValues values)
    {
        var key = keyFor(values.ExpiresOn);
        var signature = HMACSHA256.HashData(key.Value, Encoding.UTF8.GetBytes(StringToSign(values, key)));
        return
        [
            new("skoid", key.ObjectId),
            new("sktid", key.TenantId),
            new("skt", BlobSasValues.Format(key.StartsOn)),
            new("ske", BlobSasValues.Format(key.ExpiresOn)),
            new("sks", key.Service),
            new("skv", key.Version),
            new("sig", Convert.ToBase64String(signature)),
        ];
    }

    // Version 2025-07-05 and later (until 2026-04-06, which adds signed request headers and query parameters).
    internal string StringToSign(BlobSasValues values, UserDelegationKey key) => values.StringToSign(accountName,
    [
        key.ObjectId,
        key.TenantId,
        BlobSasValues.Format(key.StartsOn),
        BlobSasValues.Format(key.ExpiresOn),
        key.Service,
        key.Version,
        "", // signed authorized user object id (saoid): not used
        "", // signed unauthorized user object id (suoid): not used
        "", // signed correlation id (scid): not used
        "", // signed key delegated user tenant id (skdutid): not used
        "", // signed delegated user object id (sduoid): not used
    ]);
}

/// <summary>
/// Keeps a user delegation key ready for the link methods, which are synchronous. Only a link that no key covers
/// yet (the first one) waits for a fetch. Once the key has less than the longest link lifetime plus
/// <see cref="RenewalMargin"/> left, links start a renewal in the background and keep being signed with the current
/// key, so a renewal that fails is retried by later links for hours before any link needs a newer key.
/// </summary>
internal sealed partial class UserDelegationKeyCache(
    Func<DateTimeOffset, DateTimeOffset, CancellationToken, Task<UserDelegationKey>> fetch,
    TimeSpan longestLinkLifetime,
    TimeProvider time,
    ILogger logger)
{
    internal static readonly TimeSpan RenewalMargin = TimeSpan.FromHours(12);

    // The service refuses a key that expires more than 7 days after its own clock; this leaves ours room to be ahead.
    private static readonly TimeSpan MaxKeyLifetime = TimeSpan.FromDays(7) - TimeSpan.FromMinutes(10);

    // Links start 5 minutes in the past for clocks that run behind; the key that signs them starts with them.
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    // After a failed renewal, links wait this long before starting another, rather than one after the other.
    private static readonly TimeSpan RetryInterval = TimeSpan.FromMinutes(1);

    private readonly Lock _lock = new();
    private UserDelegationKey? _current;
    private Task<UserDelegationKey>? _renewal;
    private DateTimeOffset _nextRenewal = DateTimeOffset.MinValue;

    /// <summary>The renewal under way, if any (tests wait for it).</summary>
    internal Task<UserDelegationKey>? PendingRenewal
    {
        get
        {
            lock (_lock)
                return _renewal;
        }
    }

    public UserDelegationKey KeyFor(DateTimeOffset linkExpiresOn)
    {
        var key = Volatile.Read(ref _current);
        if (key is not null && key.ExpiresOn >= linkExpiresOn)
        {
            var now = time.GetUtcNow();
            if (now >= key.ExpiresOn - longestLinkLifetime - RenewalMargin && now >= NextRenewal)
                RenewInBackground();
            return key;
        }

        // No synchronization context in ASP.NET Core, and the fetch runs on the thread pool: blocking cannot deadlock.
        key = Renew().GetAwaiter().GetResult();
        if (key.ExpiresOn < linkExpiresOn)
            throw new InvalidOperationException($"A link that expires at {linkExpiresOn:O} would outlive the user delegation key ({key.ExpiresOn:O}).");
        return key;
    }

    private DateTimeOffset NextRenewal
    {
        get
        {
            lock (_lock)
                return _nextRenewal;
        }
    }

    private void RenewInBackground() =>
        // The failure is logged where it happens; this only marks it observed.
        Renew().ContinueWith(static task => task.Exception, TaskContinuationOptions.OnlyOnFaulted);

    // One fetch at a time, shared by every caller that asks meanwhile.
    private Task<UserDelegationKey> Renew()
    {
        lock (_lock)
            return _renewal ??= Task.Run(FetchAsync);
    }

    private async Task<UserDelegationKey> FetchAsync()
    {
        try
        {
            var now = time.GetUtcNow();
            var lifetime = longestLinkLifetime + 2 * RenewalMargin;
            var key = await fetch(now - ClockSkew, now + (lifetime < MaxKeyLifetime ? lifetime : MaxKeyLifetime), CancellationToken.None);
            Volatile.Write(ref _current, key);
            LogKeyRenewed(key.ExpiresOn);
            return key;
        }
        catch (Exception exception)
        {
            lock (_lock)
                _nextRenewal = time.GetUtcNow() + RetryInterval;
            LogKeyRenewalFailed(exception);
            throw;
        }
        finally
        {
            lock (_lock)
                _renewal = null;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Got a user delegation key valid until {ExpiresOn:O}")]
    private partial void LogKeyRenewed(DateTimeOffset expiresOn);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not get a user delegation key; links keep the current one while it lasts")]
    private partial void LogKeyRenewalFailed(Exception exception);
}

public sealed partial class BlobStorage
{
    private const string StorageScope = "https://storage.azure.com/.default";

    /// <summary>Get User Delegation Key: needs an Entra token with Storage Blob Delegator (or a data role) on the account.</summary>
    internal async Task<UserDelegationKey> GetUserDelegationKeyAsync(DateTimeOffset startsOn, DateTimeOffset expiresOn, CancellationToken ct)
    {
        using var message = CreateMessage(RequestMethod.Post, ServiceUrl("restype=service&comp=userdelegationkey"));
        message.Request.Headers.SetValue("Content-Type", "application/xml");
        var keyInfo = new XElement("KeyInfo",
            new XElement("Start", BlobSasValues.Format(startsOn)),
            new XElement("Expiry", BlobSasValues.Format(expiresOn)));
        message.Request.Content = RequestContent.Create(Encoding.UTF8.GetBytes(keyInfo.ToString(SaveOptions.DisableFormatting)));
        var response = await SendAsync(message, ct);
        if (response.Status != (int)HttpStatusCode.OK)
            throw Failure(message);

        var key = LoadXml(response).Root!;
        string Value(string name) => (string?)key.Element(name) ?? throw Unexpected(message, $"no {name}");
        DateTimeOffset Time(string name) =>
            DateTimeOffset.Parse(Value(name), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
        return new UserDelegationKey(Value("SignedOid"), Value("SignedTid"), Time("SignedStart"), Time("SignedExpiry"),
            Value("SignedService"), Value("SignedVersion"), Convert.FromBase64String(Value("Value")));
    }
}
