using System.Buffers.Text;
using System.Net;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace FileApi.DevIdentity;

/// <summary>OpenIddict's stores (applications, authorizations, tokens) in an in-memory database: nothing to install, gone on restart.</summary>
public sealed class DevIdentityDb(DbContextOptions<DevIdentityDb> options) : DbContext(options);

/// <summary>
/// A local OpenID provider shaped like one Entra tenant, for Development and tests only: users sign in by name on a
/// login form, and get Entra v2-shaped tokens (<c>oid</c>, <c>tid</c>, <c>scp</c>, <c>ver</c> 2.0) by authorization code
/// with PKCE (the browser uploader), device code (the CLI) or, when enabled, the local-user grant (scripts, tests).
/// </summary>
public static class DevIdentityApp
{
    public static WebApplication Create(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder);
        var settings = builder.Configuration.GetSection(DevIdentityOptions.SectionName).Get<DevIdentityOptions>() ?? new();
        builder.Services.AddOptions<DevIdentityOptions>().BindConfiguration(DevIdentityOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();

        if (settings.Url.Scheme != Uri.UriSchemeHttps || !(settings.Url.IsLoopback))
            throw new InvalidOperationException($"DevIdentity:Url must be https on a loopback address; it is {settings.Url}.");
        Directory.CreateDirectory(settings.DataDirectory);
        var certificate = DevelopmentCertificate.LoadOrCreate(settings.DataDirectory);
        var address = IPAddress.TryParse(settings.Url.Host, out var ip) ? ip : IPAddress.Loopback;
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(address, settings.Url.Port, listen => listen.UseHttps(certificate)));

        var signingKeys = new SigningKeys(settings.DataDirectory);
        builder.Services.AddSingleton(signingKeys);
        var databaseName = "dev-identity-" + Guid.NewGuid();
        builder.Services.AddDbContext<DevIdentityDb>(db => db.UseInMemoryDatabase(databaseName).UseOpenIddict());
        builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(cookie => cookie.LoginPath = "/login");
        builder.Services.AddCors();

        var tenant = settings.TenantId;
        builder.Services.AddOpenIddict()
            .AddCore(core => core.UseEntityFrameworkCore().UseDbContext<DevIdentityDb>())
            .AddServer(server =>
            {
                server.SetIssuer(settings.Issuer);
                server.SetConfigurationEndpointUris($"{tenant}/v2.0/.well-known/openid-configuration");
                server.SetJsonWebKeySetEndpointUris($"{tenant}/discovery/v2.0/keys");
                server.SetAuthorizationEndpointUris($"{tenant}/oauth2/v2.0/authorize");
                server.SetTokenEndpointUris($"{tenant}/oauth2/v2.0/token");
                server.SetDeviceAuthorizationEndpointUris($"{tenant}/oauth2/v2.0/devicecode");
                server.SetEndSessionEndpointUris($"{tenant}/oauth2/v2.0/logout");
                server.SetEndUserVerificationEndpointUris("device");

                server.AllowAuthorizationCodeFlow().RequireProofKeyForCodeExchange();
                server.AllowDeviceAuthorizationFlow();
                server.AllowRefreshTokenFlow();
                server.AllowCustomFlow(LocalUsers.LocalUserGrantType);
                server.RegisterScopes(Scopes.OpenId, Scopes.Profile, Scopes.Email, Scopes.OfflineAccess, settings.FullScope);
                server.SetAccessTokenLifetime(settings.AccessTokenLifetime);

                // Access tokens are plain signed JWTs, as Entra's are to the API that receives them.
                server.DisableAccessTokenEncryption();
                server.AddSigningKeys(signingKeys.Load());
                server.AddEncryptionKey(new SymmetricSecurityKey(EncryptionKey(settings.DataDirectory)));

                // MSAL sends the scopes again when it redeems a code (Entra allows it); OpenIddict follows the RFCs and refuses
                // scope there, so it is dropped: the code already carries the scopes granted.
                server.AddEventHandler<OpenIddictServerEvents.ExtractTokenRequestContext>(handler => handler
                    .UseInlineHandler(context =>
                    {
                        // MSAL.NET names the device code grant "device_code", as Entra accepts, rather than its RFC 8628 URN.
                        if (context.Request is { GrantType: "device_code" } deviceCodeRequest)
                            deviceCodeRequest.GrantType = GrantTypes.DeviceCode;
                        if (context.Request is { } request && (request.IsAuthorizationCodeGrantType() || request.IsDeviceCodeGrantType()))
                            request.Scope = null;
                        return default;
                    })
                    .SetOrder(int.MaxValue));

                server.UseAspNetCore()
                    .EnableAuthorizationEndpointPassthrough()
                    .EnableTokenEndpointPassthrough()
                    .EnableEndSessionEndpointPassthrough()
                    .EnableEndUserVerificationEndpointPassthrough();
            });

        var app = builder.Build();
        app.UseCors(cors => cors.WithOrigins([.. settings.BrowserRedirectUris.Select(uri => new Uri(uri).GetLeftPart(UriPartial.Authority))])
            .AllowAnyHeader().AllowAnyMethod());
        app.UseAuthentication();
        MapEndpoints(app, settings);
        return app;
    }

    /// <summary>Registers the two public clients, once the in-memory store exists.</summary>
    public static async Task RegisterClientsAsync(this WebApplication app)
    {
        var settings = app.Services.GetRequiredService<IOptions<DevIdentityOptions>>().Value;
        await using var scope = app.Services.CreateAsyncScope();
        var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        string[] common = [Permissions.Endpoints.Token, Permissions.GrantTypes.RefreshToken, Permissions.Scopes.Profile, Permissions.Scopes.Email,
            Permissions.Prefixes.Scope + settings.FullScope];

        var browser = new OpenIddictApplicationDescriptor { ClientId = settings.BrowserClientId, ClientType = ClientTypes.Public, DisplayName = "FileApi browser uploader" };
        browser.Permissions.UnionWith([.. common, Permissions.Endpoints.Authorization, Permissions.Endpoints.EndSession,
            Permissions.GrantTypes.AuthorizationCode, Permissions.ResponseTypes.Code]);
        browser.Requirements.Add(Requirements.Features.ProofKeyForCodeExchange);
        foreach (var uri in settings.BrowserRedirectUris)
        {
            browser.RedirectUris.Add(new Uri(uri));
            browser.PostLogoutRedirectUris.Add(new Uri(uri));
        }
        await applications.CreateAsync(browser);

        var cli = new OpenIddictApplicationDescriptor { ClientId = settings.CliClientId, ClientType = ClientTypes.Public, DisplayName = "FileApi CLI" };
        cli.Permissions.UnionWith([.. common, Permissions.Endpoints.Authorization, Permissions.Endpoints.DeviceAuthorization,
            Permissions.GrantTypes.AuthorizationCode, Permissions.GrantTypes.DeviceCode, Permissions.ResponseTypes.Code,
            Permissions.Prefixes.GrantType + LocalUsers.LocalUserGrantType]);
        cli.Requirements.Add(Requirements.Features.ProofKeyForCodeExchange);
        foreach (var uri in settings.CliRedirectUris)
            cli.RedirectUris.Add(new Uri(uri));
        await applications.CreateAsync(cli);
    }

    static void MapEndpoints(WebApplication app, DevIdentityOptions settings)
    {
        var tenant = settings.TenantId;
        const string OpenIddictScheme = OpenIddictServerAspNetCoreDefaults.AuthenticationScheme;

        app.MapGet("/", () => Results.Content(Pages.Home(settings), "text/html"));
        app.MapGet("/login", (string? returnUrl) => Results.Content(Pages.Login(returnUrl ?? "/", error: null), "text/html"));
        app.MapPost("/login", async (HttpContext http) =>
        {
            var form = await http.Request.ReadFormAsync();
            var returnUrl = form["returnUrl"].ToString();
            // Only back into this provider, never to another site.
            if (!returnUrl.StartsWith('/') || returnUrl.StartsWith("//") || returnUrl.StartsWith("/\\")) returnUrl = "/";
            var userName = form["username"].ToString().Trim();
            if (!LocalUsers.IsValidName(userName))
                return Results.Content(Pages.Login(returnUrl, "A user name is 1 to 64 letters, digits, '.', '_' or '-'."), "text/html", statusCode: 400);
            var identity = new ClaimsIdentity([new Claim(Claims.Name, userName)], CookieAuthenticationDefaults.AuthenticationScheme);
            await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity));
            return Results.LocalRedirect(returnUrl);
        });

        app.MapMethods($"/{tenant}/oauth2/v2.0/authorize", [HttpMethods.Get, HttpMethods.Post], async (HttpContext http) =>
        {
            var request = http.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("Not an OpenID Connect request.");
            var signedIn = await http.AuthenticateAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            var userName = signedIn.Principal?.FindFirstValue(Claims.Name);
            if (userName is null)
            {
                if (request.HasPromptValue(PromptValues.None))
                    return Results.Forbid(ErrorProperties(Errors.LoginRequired, "No local user is signed in."), [OpenIddictScheme]);
                return Results.Challenge(new AuthenticationProperties { RedirectUri = http.Request.PathBase + http.Request.Path + http.Request.QueryString },
                    [CookieAuthenticationDefaults.AuthenticationScheme]);
            }
            return Results.SignIn(Principal(userName, request.GetScopes(), settings), authenticationScheme: OpenIddictScheme);
        });

        app.MapPost($"/{tenant}/oauth2/v2.0/token", async (HttpContext http) =>
        {
            var request = http.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("Not an OpenID Connect request.");
            string? userName;
            IEnumerable<string> scopes;
            if (request.IsAuthorizationCodeGrantType() || request.IsDeviceCodeGrantType() || request.IsRefreshTokenGrantType())
            {
                var granted = await http.AuthenticateAsync(OpenIddictScheme);
                userName = granted.Principal?.GetClaim(Claims.Name);
                scopes = granted.Principal?.GetScopes() ?? [];
            }
            else if (request.GrantType == LocalUsers.LocalUserGrantType && settings.EnableLocalUserGrant)
            {
                userName = request.Username;
                scopes = request.GetScopes();
            }
            else
            {
                return Results.Forbid(ErrorProperties(Errors.UnsupportedGrantType, "This grant type is not enabled."), [OpenIddictScheme]);
            }

            if (!LocalUsers.IsValidName(userName))
                return Results.Forbid(ErrorProperties(Errors.InvalidGrant, "A user name is 1 to 64 letters, digits, '.', '_' or '-'."), [OpenIddictScheme]);
            var principal = Principal(userName!, scopes, settings);
            // MSAL.NET asks for client_info (client_info=1) and builds the account from it, as Entra sends it.
            var clientInfo = Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(new { uid = principal.GetClaim("oid"), utid = tenant }));
            return Results.SignIn(principal, new AuthenticationProperties(items: null, parameters: new Dictionary<string, object?> { ["client_info"] = clientInfo }),
                OpenIddictScheme);
        });

        app.MapGet("/device", async (HttpContext http) =>
        {
            var code = await http.AuthenticateAsync(OpenIddictScheme);
            var signedIn = await http.AuthenticateAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return Results.Content(Pages.Device(http.Request.Query["user_code"].ToString(), signedIn.Principal?.FindFirstValue(Claims.Name),
                code.Principal is null && http.Request.Query.ContainsKey("user_code") ? "That code is not valid (or has expired)." : null), "text/html");
        });
        app.MapPost("/device", async (HttpContext http) =>
        {
            var form = await http.Request.ReadFormAsync();
            var userName = form["username"].ToString().Trim();
            var code = await http.AuthenticateAsync(OpenIddictScheme);
            if (code.Principal is null)
                return Results.Content(Pages.Device(form["user_code"].ToString(), userName, "That code is not valid (or has expired)."), "text/html", statusCode: 400);
            if (!LocalUsers.IsValidName(userName))
                return Results.Content(Pages.Device(form["user_code"].ToString(), userName, "A user name is 1 to 64 letters, digits, '.', '_' or '-'."), "text/html", statusCode: 400);
            return Results.SignIn(Principal(userName, code.Principal.GetScopes(), settings), new AuthenticationProperties { RedirectUri = "/device/done" }, OpenIddictScheme);
        });
        app.MapGet("/device/done", () => Results.Content(Pages.DeviceDone(), "text/html"));

        app.MapMethods($"/{tenant}/oauth2/v2.0/logout", [HttpMethods.Get, HttpMethods.Post], async (HttpContext http) =>
        {
            await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return Results.SignOut(new AuthenticationProperties { RedirectUri = "/" }, [OpenIddictScheme]);
        });

        // Rotation while running: the API must pick the new key up from the JWKS without a restart.
        app.MapPost("/dev/keys/rotate", (SigningKeys keys, IOptionsMonitor<OpenIddictServerOptions> server) =>
            Results.Ok(new { kid = keys.Rotate(server.CurrentValue) }));
    }

    /// <summary>The user's identity as Entra v2 shapes it: <c>oid</c> and <c>tid</c> in both tokens; <c>scp</c>, <c>ver</c> and <c>aud</c> for the API.</summary>
    static ClaimsPrincipal Principal(string userName, IEnumerable<string> requestedScopes, DevIdentityOptions settings)
    {
        var userId = LocalUsers.IdFor(userName).ToString();
        var identity = new ClaimsIdentity(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, Claims.Name, "roles");
        identity.SetClaim(Claims.Subject, userId)
            .SetClaim("oid", userId)
            .SetClaim("tid", settings.TenantId)
            .SetClaim(Claims.Name, userName)
            .SetClaim(Claims.PreferredUsername, $"{userName}@localhost")
            .SetClaim("ver", "2.0")
            .SetClaim("idtyp", "user");

        string[] known = [Scopes.OpenId, Scopes.Profile, Scopes.Email, Scopes.OfflineAccess, settings.FullScope];
        var scopes = requestedScopes.Where(known.Contains).ToArray();
        var principal = new ClaimsPrincipal(identity);
        principal.SetScopes(scopes);
        if (scopes.Contains(settings.FullScope))
        {
            principal.SetResources(settings.ApiAudience);
            // Entra's scp names the scope without the API's URI.
            identity.SetClaim("scp", settings.Scope);
        }

        principal.SetDestinations(claim => claim.Type switch
        {
            "scp" or "ver" or "idtyp" => [Destinations.AccessToken],
            _ => [Destinations.AccessToken, Destinations.IdentityToken],
        });
        return principal;
    }

    static AuthenticationProperties ErrorProperties(string error, string description) => new(new Dictionary<string, string?>
    {
        [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
        [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
    });

    // Kept, so authorization codes and refresh tokens issued before a restart can still be read.
    static byte[] EncryptionKey(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, "encryption.key");
        if (!File.Exists(path))
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            using var stream = new FileStream(path, options);
            stream.Write(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        }
        return File.ReadAllBytes(path);
    }
}
