using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace FileApi.DevIdentity;

/// <summary>Local users exist by name: anyone may sign in as any name, and the name alone decides the user's ids.</summary>
public static partial class LocalUsers
{
    /// <summary>The one local tenant: fixed, so local data keyed by tenant survives a new key or a new provider.</summary>
    public const string TenantId = "00000000-0000-0000-0000-000000000001";

    /// <summary>The Development-only grant that gives scripts and tests a user's token without a browser: <c>username</c> names the user.</summary>
    public const string LocalUserGrantType = "urn:fileapi:grant-type:local-user";

    /// <summary>
    /// A stable user id (<c>oid</c>) for a user name (case-insensitive): an RFC 9562 version 8 UUID from the SHA-256 of
    /// the name. The tests' LocalTokenIssuer.UserIdFor computes the same, so ids agree across the two.
    /// </summary>
    public static Guid IdFor(string userName)
    {
        Span<byte> bytes = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes("fileapi-local-user:" + userName.Trim().ToLowerInvariant()), bytes);
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes[..16], bigEndian: true);
    }

    public static bool IsValidName(string? userName) => userName is not null && Name().IsMatch(userName);

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex Name();
}
