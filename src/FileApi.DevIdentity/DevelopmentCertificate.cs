using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace FileApi.DevIdentity;

/// <summary>
/// A self-signed TLS certificate for 127.0.0.1 and localhost, made on first start and kept in the data directory:
/// MSAL.js and MSAL.NET accept only an https authority. Clients trust exactly this certificate (<see cref="PemFileName"/>),
/// never any certificate.
/// </summary>
public static class DevelopmentCertificate
{
    public const string PemFileName = "tls.crt";
    const string PfxFileName = "tls.pfx";

    public static X509Certificate2 LoadOrCreate(string dataDirectory)
    {
        var pfxPath = Path.Combine(dataDirectory, PfxFileName);
        if (!File.Exists(pfxPath))
        {
            using var key = RSA.Create(2048);
            var request = new CertificateRequest("CN=FileApi development identity provider", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(IPAddress.Loopback);
            names.AddDnsName("localhost");
            request.CertificateExtensions.Add(names.Build());
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
            using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddYears(1));
            File.WriteAllBytes(pfxPath, created.Export(X509ContentType.Pfx));
            File.WriteAllText(Path.Combine(dataDirectory, PemFileName), created.ExportCertificatePem());
        }

        return X509CertificateLoader.LoadPkcs12FromFile(pfxPath, password: null);
    }
}
