using System.Buffers.Text;
using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Server;

namespace FileApi.DevIdentity;

/// <summary>
/// The provider's RSA signing keys, one PEM file each under <c>{DataDirectory}/keys</c>, newest first. The newest signs;
/// the one before it stays published in the JWKS so tokens it signed keep validating until they expire, as Entra
/// publishes a retiring key. <see cref="Rotate"/> adds a key while the provider runs.
/// </summary>
public sealed class SigningKeys
{
    const int KeysKept = 2;
    readonly string _directory;
    readonly Lock _rotationLock = new();

    public SigningKeys(string dataDirectory)
    {
        _directory = Path.Combine(dataDirectory, "keys");
        Directory.CreateDirectory(_directory);
        if (KeyFiles().Length == 0)
            CreateKeyFile();
    }

    /// <summary>Newest first.</summary>
    public IReadOnlyList<RsaSecurityKey> Load() => [.. KeyFiles().Take(KeysKept).Select(Read)];

    /// <summary>Makes a new key the signing key, keeps the previous one published, and drops older ones.</summary>
    public string Rotate(OpenIddictServerOptions server)
    {
        lock (_rotationLock)
        {
            CreateKeyFile();
            foreach (var old in KeyFiles().Skip(KeysKept))
                File.Delete(old);
            var keys = Load();
            // OpenIddict signs with the first signing credentials and publishes all of them; the options are read per request.
            server.SigningCredentials.Clear();
            server.SigningCredentials.AddRange(keys.Select(key => new SigningCredentials(key, SecurityAlgorithms.RsaSha256)));
            server.TokenValidationParameters.IssuerSigningKeys = keys;
            return keys[0].KeyId!;
        }
    }

    // Names start with the creation time, so the newest sorts first.
    string[] KeyFiles() => [.. Directory.GetFiles(_directory, "*.pem").OrderByDescending(Path.GetFileName, StringComparer.Ordinal)];

    void CreateKeyFile()
    {
        using var rsa = RSA.Create(2048);
        var keyId = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(12));
        var path = Path.Combine(_directory, $"{DateTime.UtcNow:yyyyMMddHHmmssfffffff}.{keyId}.pem");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using var stream = new StreamWriter(new FileStream(path, options));
        stream.Write(rsa.ExportPkcs8PrivateKeyPem());
    }

    static RsaSecurityKey Read(string path)
    {
        var rsa = RSA.Create();
        rsa.ImportFromPem(File.ReadAllText(path));
        return new RsaSecurityKey(rsa) { KeyId = Path.GetFileNameWithoutExtension(path).Split('.')[1] };
    }
}
