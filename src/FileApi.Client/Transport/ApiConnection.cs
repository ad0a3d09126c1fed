using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.Json.Serialization.Metadata;
using Azure.Core;
using Polly;

namespace FileApi.Client.Transport;

/// <summary>
/// Calls to the API: resolves relative URLs against the base address, attaches the bearer token, retries
/// what is safe to retry and turns every failure into a <see cref="FileApiException"/>.
/// </summary>
sealed class ApiConnection
{
    static readonly string ClientVersion =
        typeof(ApiConnection).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    readonly HttpClient _http;
    readonly FileApiClientOptions _options;
    readonly ResiliencePipeline<HttpResponseMessage> _retryAll;
    readonly ResiliencePipeline<HttpResponseMessage> _retryUnsent;
    readonly string _userAgent;

    public ApiConnection(HttpClient http, FileApiClientOptions options)
    {
        _http = http;
        _options = options;
        var baseUri = options.BaseUri ?? http.BaseAddress
            ?? throw new ArgumentException("Set FileApiClientOptions.BaseUri, or give the API HttpClient a BaseAddress.", nameof(options));
        // Relative URLs resolve under the base's path only when it ends with a slash.
        BaseUri = baseUri.AbsoluteUri.EndsWith('/') ? baseUri : new Uri(baseUri.AbsoluteUri + "/");
        _retryAll = ApiRetries.Create(options.Retry, idempotent: true);
        _retryUnsent = ApiRetries.Create(options.Retry, idempotent: false);
        var platform = $"({RuntimeInformation.FrameworkDescription}; {RuntimeInformation.OSDescription})";
        _userAgent = $"{(options.ApplicationId is { Length: > 0 } app ? app + " " : "")}fileapi-net/{ClientVersion} {platform}";
    }

    public Uri BaseUri { get; }

    public Uri Resolve(string url) => new(BaseUri, url);

    /// <summary>
    /// Sends a request and answers whatever came back. <paramref name="idempotent"/> calls are retried on network
    /// errors, timeouts, 408, 429 and 5xx; the others (a new version, a new organisation) only when no connection
    /// could be made or on 429: a second attempt after the server may have acted would create a second one.
    /// </summary>
    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string url, Func<HttpContent?>? content, bool idempotent, CancellationToken cancellationToken)
    {
        var pipeline = idempotent ? _retryAll : _retryUnsent;
        try
        {
            return await pipeline.ExecuteAsync(async token =>
            {
                using var request = new HttpRequestMessage(method, Resolve(url)) { Content = content?.Invoke() };
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
                request.Headers.TryAddWithoutValidation("User-Agent", _userAgent);
                var bearer = await BearerTokenAsync(token);
                if (bearer is not null)
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
                return await _http.SendAsync(request, token);
            }, cancellationToken);
        }
        catch (Exception exception) when (ApiRetries.IsNetworkFailure(exception, cancellationToken))
        {
            throw FileApiException.Network(exception);
        }
    }

    // Asked before every attempt: a credential hands out its cached token, or a new one once that nears expiry.
    async ValueTask<string?> BearerTokenAsync(CancellationToken cancellationToken)
    {
        if (_options.Credential is { } credential)
            return (await credential.GetTokenAsync(new TokenRequestContext(_options.Scopes), cancellationToken)).Token;
        return _options.TokenProvider is { } provider ? await provider(cancellationToken) : _options.Token;
    }

    public async Task<T> SendAsync<T>(HttpMethod method, string url, JsonTypeInfo<T> answer, Func<HttpContent?>? content, bool idempotent, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(method, url, content, idempotent, cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
        return await ReadAsync(response, answer, cancellationToken);
    }

    public async Task SendAsync(HttpMethod method, string url, bool idempotent, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(method, url, null, idempotent, cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
    }

    public static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
            throw await FileApiException.FromResponseAsync(response, null, cancellationToken);
    }

    public static async Task<T> ReadAsync<T>(HttpResponseMessage response, JsonTypeInfo<T> answer, CancellationToken cancellationToken) =>
        await response.Content.ReadFromJsonAsync(answer, cancellationToken)
        ?? throw new FileApiException((int)response.StatusCode, null, "The answer was empty.", $"Expected a {typeof(T).Name} from {response.RequestMessage?.RequestUri}.");

    public static Func<HttpContent?> Json<T>(T value, JsonTypeInfo<T> type) => () => JsonContent.Create(value, type);
}
