using FileApi.Storage;
using Microsoft.Extensions.Options;

namespace FileApi.Http;

/// <summary>
/// The browser uploader: plain files under <c>wwwroot/app/</c>, served at <c>/app/</c>. Its pages may talk only to
/// this API, the blob service and the sign-in authority (Content-Security-Policy), and are revalidated on every load so
/// a new deployment is picked up at once.
/// </summary>
public static class BrowserApp
{
    public const string Path = "/app/";

    public static WebApplication UseBrowserApp(this WebApplication app)
    {
        var storageOrigin = app.Services.GetRequiredService<IOptions<StorageOptions>>().Value.ServiceUri.GetLeftPart(UriPartial.Authority);
        // MSAL.js reads the authority's metadata and redeems codes and refresh tokens there (fetch), and may renew in a hidden frame.
        var signIn = BrowserSignIn.Resolve(app.Services.GetRequiredService<IOptions<BrowserSignInOptions>>().Value,
            app.Services.GetRequiredService<IOptions<FileApi.Auth.JwtAuthenticationOptions>>().Value);
        var authorityOrigin = signIn is null ? "" : " " + new Uri(signIn.Authority).GetLeftPart(UriPartial.Authority);
        var contentSecurityPolicy =
            $"default-src 'self'; connect-src 'self' {storageOrigin}{authorityOrigin}; frame-src 'self'{authorityOrigin}; img-src 'self' data:; " +
            "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

        app.UseDefaultFiles();
        app.UseStaticFiles(new StaticFileOptions
        {
            OnPrepareResponse = context =>
            {
                var headers = context.Context.Response.Headers;
                headers.CacheControl = "no-cache";
                headers.XContentTypeOptions = "nosniff";
                if (context.File.Name.EndsWith(".html", StringComparison.Ordinal))
                {
                    headers.ContentSecurityPolicy = contentSecurityPolicy;
                    headers["Referrer-Policy"] = "no-referrer";
                }
            },
        });
        return app;
    }
}
