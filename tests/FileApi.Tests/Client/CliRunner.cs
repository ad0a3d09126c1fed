using FileApi.Cli;
using FileApi.Client;
using FileApi.Tests.Infrastructure;

namespace FileApi.Tests.Client;

/// <summary>What one run of the CLI left behind.</summary>
sealed record CliRun(int ExitCode, string Out, string Error);

/// <summary>
/// Runs the real <c>fileapi</c> entry point in-process against the test API: settings come from the same
/// environment variables <c>scripts/dev env</c> prints, and config and state live in a folder of the test's own.
/// </summary>
sealed class CliRunner : IDisposable
{
    readonly FileApiFactory? _factory;
    readonly DirectoryInfo _home = Directory.CreateTempSubdirectory("fileapi-cli-test-");

    public CliRunner(FileApiFactory? factory = null, string user = FileApiFactory.Owner)
    {
        _factory = factory;
        if (factory is not null)
        {
            Environment["FILEAPI_URL"] = factory.Server.BaseAddress.ToString();
            Environment["FILEAPI_TOKEN"] = factory.TokenFor(user);
            Environment["FILEAPI_ORG"] = factory.OrganizationId.ToString();
            Environment["FILEAPI_WORKSPACE"] = factory.WorkspaceId.ToString();
        }
    }

    public Dictionary<string, string> Environment { get; } = [];

    /// <summary>The storage handler of the next runs (a fresh one per run unless set).</summary>
    public StorageSpy? Storage { get; set; }

    /// <summary>The API HttpClient of the next runs (the test server's own unless set).</summary>
    public Func<HttpClient>? Api { get; set; }

    /// <summary>Sees each text the next runs write to stderr, as they write it (a device code to enter, say).</summary>
    public Action<string>? OnError { get; set; }

    public string Home => _home.FullName;
    public string ConfigFile => Path.Combine(Home, "config", "fileapi", "config.json");
    public string StateDirectory => Path.Combine(Home, "state", "fileapi");
    public IEnumerable<string> UploadStates => Directory.Exists(Path.Combine(StateDirectory, "uploads")) ? Directory.GetFiles(Path.Combine(StateDirectory, "uploads")) : [];

    public string LocalPath(string name) => Path.Combine(Home, name);

    public async Task<CliRun> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = OnError is { } observe ? new ObservedWriter(observe) : new StringWriter();
        var host = new CliHost
        {
            Out = output,
            Error = error,
            GetEnvironmentVariable = name => Environment.GetValueOrDefault(name),
            ConfigFile = ConfigFile,
            StateDirectory = StateDirectory,
            Interactive = false,
            CreateClient = options => _factory is null
                ? throw new InvalidOperationException("This runner has no API.")
                : new FileApiClient(Api?.Invoke() ?? _factory.CreateClient(), new HttpClient(Storage ?? new StorageSpy(_factory)), ClientTestKit.FastRetries(options)),
        };
        var exitCode = await FileApiCli.RunAsync(args, host);
        return new CliRun(exitCode, output.ToString(), error.ToString());
    }

    public void Dispose() => _home.Delete(recursive: true);
}

sealed class ObservedWriter(Action<string> observe) : StringWriter
{
    public override void Write(string? value)
    {
        base.Write(value);
        if (value is not null) observe(value);
    }

    public override void WriteLine(string? value)
    {
        base.WriteLine(value);
        if (value is not null) observe(value);
    }
}
