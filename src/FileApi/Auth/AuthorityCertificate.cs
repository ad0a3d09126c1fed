using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace FileApi.Auth;

/// <summary>
/// The local OpenID provider serves https with a self-signed certificate (MSAL accepts no http authority). The API's
/// metadata and key requests trust exactly that certificate, or any the system trusts; never any certificate at all.
/// </summary>
static class AuthorityCertificate
{
    public static HttpMessageHandler TrustOnly(string pemPath)
    {
        var pinned = X509Certificate2.CreateFromPem(File.ReadAllText(pemPath));
        return new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                    errors == SslPolicyErrors.None || (certificate is not null && certificate.GetCertHashString() == pinned.GetCertHashString()),
            },
        };
    }
}
