using System.Net;
using System.Reflection;
using System.Text;
using System.Text.Json;
using FileApi.Data;
using FileApi.Http;
using FileApi.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace FileApi.Tests.Fuzz;

static class FuzzHosts
{
    /// <summary>Where the factory's Kestrel listens, once started.</summary>
    public static Uri KestrelAddress(FileApiFactory factory) =>
        new(factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
}

/// <summary>The API in the environment that <c>scripts/dev up</c> runs.</summary>
public sealed class DevelopmentFuzzFactory : FileApiFactory
{
    // A real socket: request-line and body-size rules are Kestrel's, which the in-memory server does not apply.
    public DevelopmentFuzzFactory() => UseKestrel(options => options.Listen(IPAddress.Loopback, 0));

    protected override string HostEnvironment => "Development";

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        ClientOptions.BaseAddress = FuzzHosts.KestrelAddress(this);
    }

    // Ten thousand requests' worth of request logs would cost more than the requests.
    protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings => [new("Logging:LogLevel:Default", "Warning")];
}

/// <summary>
/// The API as Azure runs it: the Production environment, and tokens validated by Microsoft.Identity.Web against a
/// loopback stand-in for Entra's OpenID configuration and keys (no local key file: Production refuses one).
/// </summary>
public sealed class ProductionFuzzFactory : FileApiFactory, IAsyncLifetime
{
    const string ClientId = "5f1d2c3b-8a7e-4c6d-9b0a-1e2f3a4b5c6d";
    readonly OidcServer _entra = OidcServer.StartAsync().GetAwaiter().GetResult();

    public ProductionFuzzFactory() => UseKestrel(options => options.Listen(IPAddress.Loopback, 0));

    protected override string HostEnvironment => "Production";

    protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings =>
    [
        new("Auth:Authority", ""),
        new("Auth:TenantId", OidcServer.TenantId),
        new("Auth:ClientId", ClientId),
        new("Auth:Instance", _entra.Instance),
        new("Auth:RequireHttpsMetadata", "false"),
        new("Auth:Issuers:0", OidcServer.V2Issuer),
        new("Auth:Audiences:0", ClientId),
        // Ten thousand requests' worth of request logs would cost more than the requests.
        new("Logging:LogLevel:Default", "Warning"),
    ];

    public override string TokenFor(string userName, IDictionary<string, object>? extraClaims = null) =>
        Tokens.Mint(UserId(userName), userName, $"{userName}@example.com", OidcServer.V2Issuer, ClientId, TimeSpan.FromHours(1), extraClaims);

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _entra.Publish(Tokens); // before any request asks for the keys
        ClientOptions.BaseAddress = FuzzHosts.KestrelAddress(this);
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await _entra.DisposeAsync();
    }
}

public sealed class DevelopmentRequestFuzzTests(DevelopmentFuzzFactory factory, ITestOutputHelper output) : IClassFixture<DevelopmentFuzzFactory>
{
    [Fact]
    public Task TenThousandGeneratedRequestsInDevelopmentGetNo5xxAndEveryRefusalIsAStrictProblemThatChangesNothing() =>
        new RequestFuzzer(factory, output).RunAsync(RequestFuzzer.SeedFromEnvironment(1201), RequestFuzzer.CasesPerRun);
}

public sealed class ProductionRequestFuzzTests(ProductionFuzzFactory factory, ITestOutputHelper output) : IClassFixture<ProductionFuzzFactory>
{
    [Fact]
    public Task TenThousandGeneratedRequestsInProductionGetNo5xxAndEveryRefusalIsAStrictProblemThatChangesNothing() =>
        new RequestFuzzer(factory, output).RunAsync(RequestFuzzer.SeedFromEnvironment(2612), RequestFuzzer.CasesPerRun);
}

/// <summary>
/// Random requests over every mapped route and the webhook: paths, ids, query values, JSON bodies, event batches,
/// headers and tokens, most of them wrong in one way or several. Every answer must be below 500; every 4xx must be a
/// problem+json body that a strict parser accepts (no duplicate members) with a type the API documents; and a refused
/// request must leave every table as it was. The seed is printed, and FILEAPI_FUZZ_SEED replays a run.
/// </summary>
sealed class RequestFuzzer(FileApiFactory factory, ITestOutputHelper output)
{
    public const int CasesPerRun = 10_000;

    static readonly HashSet<string> KnownProblemTypes = typeof(Problems)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(field => field.IsLiteral && field.FieldType == typeof(string))
        .Select(field => (string)field.GetRawConstantValue()!)
        .ToHashSet(StringComparer.Ordinal);

    static readonly JsonDocumentOptions Strict = new() { AllowDuplicateProperties = false, MaxDepth = 64 };

    public static int SeedFromEnvironment(int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable("FILEAPI_FUZZ_SEED"), out var seed) ? seed : fallback;

    Random _random = new(0);
    readonly List<string> _fileIds = [];
    readonly List<string> _versionIds = [];

    public async Task RunAsync(int seed, int cases)
    {
        output.WriteLine($"Fuzz seed {seed} (replay with FILEAPI_FUZZ_SEED={seed}).");
        _random = new Random(seed);
        await SeedFilesAsync();
        var routes = MappedRoutes();
        Assert.NotEmpty(routes);

        var client = factory.CreateClient(new() { AllowAutoRedirect = false, BaseAddress = factory.ClientOptions.BaseAddress });
        var state = await StateDigestAsync();
        var statuses = new Dictionary<int, int>();
        for (var i = 0; i < cases; i++)
        {
            using var request = NextRequest(routes);
            var description = $"case {i} (seed {seed}): {request.Method} {request.RequestUri}";
            using var response = await client.SendAsync(request);
            var status = (int)response.StatusCode;
            statuses[status] = statuses.GetValueOrDefault(status) + 1;
            var body = await response.Content.ReadAsStringAsync();

            Assert.True(status < 500, $"{description} answered {status}: {body}");
            if (status >= 400)
            {
                AssertStrictProblem(description, response, body, status);
                var after = await StateDigestAsync();
                Assert.True(after == state, $"{description} answered {status} but changed stored state.");
            }
            else
            {
                state = await StateDigestAsync();
            }
        }
        output.WriteLine("Statuses: " + string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}×{s.Value}")));
        // A generator that only ever produced refusals, or only successes, would prove little.
        Assert.Contains(statuses.Keys, s => s is >= 200 and < 300);
        Assert.Contains(statuses.Keys, s => s == 400);
    }

    static void AssertStrictProblem(string description, HttpResponseMessage response, string body, int status)
    {
        if (response.RequestMessage?.Method == HttpMethod.Head)
            return; // a HEAD answer has no body by definition
        // Kestrel refuses a request line with an encoded NUL before any of our code runs, with an empty 400.
        if (status == 400 && body.Length == 0 && response.RequestMessage!.RequestUri!.AbsolutePath.Contains("%00", StringComparison.Ordinal))
            return;
        Assert.True(response.Content.Headers.ContentType?.MediaType == "application/problem+json",
            $"{description} answered {status} as {response.Content.Headers.ContentType?.MediaType ?? "no content type"}: {body}");
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, Strict);
        }
        catch (JsonException exception)
        {
            Assert.Fail($"{description} answered {status} with a body a strict parser refuses ({exception.Message}): {body}");
            return;
        }
        using (document)
        {
            var root = document.RootElement;
            Assert.True(root.TryGetProperty("type", out var type) && KnownProblemTypes.Contains(type.GetString()!),
                $"{description} answered {status} with an unknown problem type: {body}");
            Assert.True(root.TryGetProperty("status", out var number) && number.ValueKind == JsonValueKind.Number && number.GetInt32() == status,
                $"{description} answered {status} but its body says otherwise: {body}");
        }
    }

    /// <summary>Every table's rows, hashed in one statement; equal digests mean nothing was written.</summary>
    async Task<string> StateDigestAsync()
    {
        using var scope = factory.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<FileApiDb>();
        var tables = db.Model.GetEntityTypes().Select(entity => entity.GetTableName()!).Distinct().Order(StringComparer.Ordinal);
        var sql = "SELECT md5(" + string.Join(" || ", tables.Select(table =>
            $"coalesce((SELECT string_agg(md5(t::text), ',' ORDER BY md5(t::text)) FROM \"{table}\" t), '-')")) + ") AS \"Value\"";
        return await db.Database.SqlQueryRaw<string>(sql).SingleAsync();
    }

    /// <summary>A few real files and versions, so that some generated ids name something.</summary>
    async Task SeedFilesAsync()
    {
        using var api = factory.CreateClientFor(FileApiFactory.Owner);
        for (var i = 0; i < 3; i++)
        {
            var ready = await factory.UploadReadyAsync(api, $"path/fuzz/ready-{i}.txt", Encoding.UTF8.GetBytes($"content {i}"));
            _fileIds.Add(ready.FileId.ToString());
            _versionIds.Add(ready.VersionId);
            var pending = await api.RegisterAsync($"{factory.FilesBase}/path/fuzz/pending-{i}.txt");
            _fileIds.Add(pending.FileId.ToString());
            _versionIds.Add(pending.VersionId);
        }
    }

    List<(string Method, string Template)> MappedRoutes() =>
        factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(endpoint => (endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"])
                .Select(method => (method, endpoint.RoutePattern.RawText!)))
            .ToList();

    T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];

    bool Chance(double probability) => _random.NextDouble() < probability;

    HttpRequestMessage NextRequest(List<(string Method, string Template)> routes)
    {
        var (method, template) = Pick(routes);
        if (Chance(0.1))
            method = Pick(["GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "OPTIONS"]);
        var path = FillTemplate(template);
        var query = Chance(0.7) ? "?" + string.Join('&', Enumerable.Range(0, _random.Next(1, 5)).Select(_ => QueryPair())) : "";
        var request = new HttpRequestMessage(new HttpMethod(method), path + query);

        if (template.StartsWith("/events", StringComparison.Ordinal))
        {
            if (Chance(0.8))
                request.Headers.TryAddWithoutValidation("X-FileApi-Webhook-Secret", Chance(0.8) ? FileApiFactory.WebhookSecret : HeaderText(20));
            if (Chance(0.2))
                request.Headers.TryAddWithoutValidation("Authorization", Authorization());
            if (method is "POST" || Chance(0.2))
                request.Content = Body(EventBatch());
            return request;
        }

        if (Chance(0.95))
            request.Headers.TryAddWithoutValidation("Authorization", Authorization());
        if (method is "PUT" or "POST" or "PATCH" || Chance(0.1))
        {
            if (Chance(0.85))
                request.Content = Body(JsonBody());
        }
        return request;
    }

    string FillTemplate(string template)
    {
        var builder = new StringBuilder();
        var position = 0;
        while (template.IndexOf('{', position) is var open and >= 0)
        {
            builder.Append(template, position, open - position);
            var close = template.IndexOf('}', open);
            var name = template[(open + 1)..close].TrimStart('*').Split(':')[0];
            builder.Append(Parameter(name));
            position = close + 1;
        }
        builder.Append(template, position, template.Length - position);
        return builder.ToString();
    }

    string Parameter(string name) => name switch
    {
        "org_id" => Chance(0.85) ? factory.OrganizationId.ToString() : Pick([Guid.NewGuid().ToString(), "not-a-uuid", "", "%00"]),
        "workspace_id" => Chance(0.85) ? factory.WorkspaceId.ToString() : Pick([Guid.NewGuid().ToString(), "123", "%20"]),
        "file_id" => Chance(0.6) ? Pick(_fileIds) : Pick([Guid.NewGuid().ToString(), "x", "00000000-0000-0000-0000-000000000000", Escape(RandomText(10))]),
        "version_id" => Chance(0.6) ? Pick(_versionIds) : Pick(["0", "-1", "abc", "99999999999999999999", "1", long.MaxValue.ToString()]),
        "file_path" => FilePathSegment(),
        "user_id" => Chance(0.5) ? FileApiFactory.UserId(Pick(["owner", "alice", "bob"])) : Escape(RandomText(_random.Next(0, 200))),
        _ => Escape(RandomText(8)),
    };

    string FilePathSegment() => _random.Next(8) switch
    {
        0 => "fuzz/ready-0.txt",
        1 => "fuzz/pending-1.txt",
        2 => $"fuzz/new-{_random.Next(20)}.txt",
        3 => Escape(RandomText(_random.Next(1, 40))) + ".txt",
        4 => string.Join('/', Enumerable.Range(0, _random.Next(1, 80)).Select(_ => "d")) + "/x",
        5 => Escape(new string('a', _random.Next(200, 1300))),
        6 => Pick(["a%00b", "..%2Fetc", "a/./b", "CON", "a.txt.", "%E2%80%AE.exe", "%C0%AF", "%FF", "a%2F%2Fb"]),
        _ => Escape(RandomText(5)) + "/" + Escape(RandomText(5)),
    };

    string QueryPair()
    {
        var name = Pick(["version_id", "include_versions", "deleted", "wait", "limit", "offset", "order_by", "file_name", "author",
            "created_at", "modified_at", "deleted_at", "folder", "cursor", "tenant_id", "code", RandomText(4)]);
        var value = name switch
        {
            "version_id" => Chance(0.5) ? Pick(_versionIds) : Pick(["x", "-3", "", "1e9", "18446744073709551616"]),
            "include_versions" or "deleted" => Pick(["true", "True", "FALSE", "false", "yes", "", "1"]),
            // A valid wait on an uploading version would hold the request; the fuzzer only sends waits that end at once or are refused.
            "wait" => Pick(["0", "-1", "abc", "1.5", "999999"]),
            "limit" or "offset" => Pick(["0", "1", "5000", "5001", "-1", "x", "2147483648", "10"]),
            "order_by" => Pick(["path", "name:desc", "size:asc", "deleted_at", "modified_at:desc", "created_at:up", "nope", ""]),
            "created_at" or "modified_at" or "deleted_at" => Pick(["gte:2026-01-01T00:00:00Z", "lt:yesterday", "eq:2026-01-01", "gt:", "lte:9999-12-31T23:59:59Z"]),
            "folder" => Pick(["/fuzz/", "fuzz", "/", "/a//b/", "%00", "/" + RandomText(5) + "/"]),
            _ => RandomText(_random.Next(0, 30)),
        };
        return $"{name}={Escape(value)}";
    }

    string Authorization() => _random.Next(10) switch
    {
        < 6 => "Bearer " + factory.TokenFor(FileApiFactory.Owner),
        6 => "Bearer " + factory.TokenFor(Pick(["alice", "stranger"])),
        7 => "Bearer " + HeaderText(_random.Next(0, 60)),
        8 => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("a:b")),
        _ => Pick(["Bearer", "", "Bearer " + factory.TokenFor(FileApiFactory.Owner)[..40]]),
    };

    HttpContent Body(string text)
    {
        var content = new StringContent(text, Encoding.UTF8);
        content.Headers.Remove("Content-Type");
        content.Headers.TryAddWithoutValidation("Content-Type", Pick(["application/json", "application/json", "application/json", "text/plain",
            "application/cloudevents+json", "application/x-www-form-urlencoded", "application/json; charset=latin1", "multipart/form-data"]));
        return content;
    }

    string JsonBody() => _random.Next(12) switch
    {
        0 => "",
        1 => "{",
        2 => "null",
        3 => "[]",
        4 => "\"text\"",
        5 => JsonSerializer.Serialize(new Dictionary<string, object?> { ["name"] = RandomText(_random.Next(0, 300)) }),
        6 => JsonSerializer.Serialize(new Dictionary<string, object?> { ["size"] = Pick<object?>([-1, 0, 5, long.MaxValue, "12", 1.5, null]) }),
        7 => JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["size"] = _random.Next(0, 100), ["content_md5"] = Pick<object?>([RandomText(24), "1B2M2Y8AsgTpgAmY7PhCfg==", 5]),
            ["content_sha256"] = Pick<object?>([RandomText(64), new string('a', 64), true]),
        }),
        8 => JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["role"] = Pick<object?>(["owner", "editor", "viewer", "god", 3, null]), ["name"] = RandomText(_random.Next(0, 400)),
            ["email"] = RandomText(_random.Next(0, 400)), ["tenant_id"] = RandomText(_random.Next(0, 300)),
        }),
        9 => "{\"name\": \"a\u0000b\", \"role\": \"viewer\"}",
        10 => new string('[', 200) + new string(']', 200),
        _ => "{\"name\": " + Pick(["1", "true", "{}", "[1,2]", "\"\\ud800\"", "\"ok\", \"name\": \"twice\""]) + "}",
    };

    string EventBatch()
    {
        if (Chance(0.2))
            return JsonBody();
        var container = Chance(0.7) ? factory.Container : RandomText(8);
        var blob = _random.Next(4) switch
        {
            0 => $"{factory.OrganizationId}/{factory.WorkspaceId}/{Pick(_fileIds)}/{Pick(_versionIds)}",
            1 => $"{Guid.NewGuid()}/{Guid.NewGuid()}/{Guid.NewGuid()}/1",
            2 => RandomText(30),
            _ => "",
        };
        var subject = Chance(0.8) ? $"/blobServices/default/containers/{container}/blobs/{blob}" : RandomText(40);
        if (Chance(0.5))
        {
            var events = Enumerable.Range(0, _random.Next(1, 4)).Select(_ => new Dictionary<string, object?>
            {
                ["id"] = Guid.NewGuid().ToString(),
                ["subject"] = subject,
                ["eventType"] = Pick(["Microsoft.Storage.BlobCreated", "Microsoft.Storage.BlobDeleted", "Microsoft.EventGrid.SubscriptionValidationEvent", RandomText(10)]),
                ["eventTime"] = Pick<object?>([DateTimeOffset.UtcNow, "yesterday", null]),
                ["data"] = Pick<object?>([new Dictionary<string, object?> { ["api"] = "PutBlockList", ["validationCode"] = RandomText(8) }, null, "x", 7]),
                ["dataVersion"] = "",
                ["metadataVersion"] = Pick<object?>(["1", null]),
            });
            return JsonSerializer.Serialize(events);
        }
        return JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["specversion"] = Pick<object?>(["1.0", "0.3", null]),
            ["id"] = Guid.NewGuid().ToString(),
            ["source"] = Pick<object?>(["/subscriptions/x", null, ""]),
            ["type"] = Pick(["Microsoft.Storage.BlobCreated", RandomText(6)]),
            ["subject"] = subject,
            ["data"] = new Dictionary<string, object?> { ["api"] = "PutBlob" },
        });
    }

    const string Alphabet = "abcXYZ019 ._-/\\:*?\"<>|%#&+=~'`$!@^()[]{}";

    string RandomText(int length)
    {
        var builder = new StringBuilder(length);
        for (var i = 0; i < length; i++)
        {
            builder.Append(_random.Next(10) switch
            {
                < 6 => Alphabet[_random.Next(Alphabet.Length)],
                6 => (char)_random.Next(0, 32),
                7 => (char)_random.Next(0x80, 0x2FFF),
                8 => Pick(['\u202E', '\u200B', '\uFEFF', '\uD800', '\uDC00', '\uFFFF', '\u0000', 'ς', 'ß']),
                _ => (char)_random.Next(0x3000, 0xFFFF),
            });
        }
        return builder.ToString();
    }

    /// <summary>Header values: printable ASCII, the most a client library lets through.</summary>
    string HeaderText(int length) =>
        new(Enumerable.Range(0, length).Select(_ => (char)_random.Next(0x21, 0x7F)).ToArray());

    static string Escape(string text)
    {
        // Lone surrogates cannot be UTF-8 encoded; send them as the raw percent-escapes a hostile client would.
        var builder = new StringBuilder();
        foreach (var c in text)
        {
            if (char.IsSurrogate(c))
                builder.Append("%ED%A0%80");
            else
                builder.Append(Uri.EscapeDataString(c.ToString()));
        }
        return builder.ToString();
    }
}
