using FileApi.Storage;
using Microsoft.Extensions.Options;

namespace FileApi.Http;

/// <summary>
/// The browser uploader: plain files under <c>wwwroot/app/</c>, served at <c>/app/</c>. Its pages may talk only to
/// this API and to the blob service (Content-Security-Policy), and are revalidated on every load so a new
/// deployment is picked up at once.
/// </summary>
public static class BrowserApp
{
    public const string Path = "/app/";

    public static WebApplication UseBrowserApp(this WebApplication app)
    {
        var storageOrigin = app.Services.GetRequiredService<IOptions<StorageOptions>>().Value.ServiceUri.GetLeftPart(UriPartial.Authority);
        var contentSecurityPolicy =
            $"default-src 'self'; connect-src 'self' {storageOrigin}; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

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
