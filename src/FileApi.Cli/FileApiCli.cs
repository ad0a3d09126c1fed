using System.CommandLine;
using FileApi.Client;

namespace FileApi.Cli;

/// <summary>The <c>fileapi</c> command line: builds the commands and runs one, turning every failure into a documented exit code.</summary>
public static class FileApiCli
{
    const string Description = """
        Upload, download, list and manage files in FileApi.

        Uploads go in parallel blocks straight to blob storage and resume when run again after an interruption.
        Settings come from options, else the environment (FILEAPI_URL, FILEAPI_TOKEN, FILEAPI_ORG,
        FILEAPI_WORKSPACE: the lines `scripts/dev env` prints), else ~/.config/fileapi/config.json
        ({"url": ..., "token": ..., "org": ..., "workspace": ...}).

        Exit codes: 0 ok, 1 usage or invalid request, 2 not found, 3 authentication or permission,
        4 conflict, 5 network or storage, 6 local file error, 130 interrupted.
        """;

    public static Task<int> RunAsync(string[] args, CliHost host, CancellationToken cancellationToken = default)
    {
        var root = Build(host);
        // Ctrl+C cancels the running command; it gets time to stop its transfers and keep the resume state.
        var invocation = new InvocationConfiguration { Output = host.Out, Error = host.Error, ProcessTerminationTimeout = TimeSpan.FromSeconds(10) };
        return root.Parse(args).InvokeAsync(invocation, cancellationToken);
    }

    public static Command Build(CliHost host)
    {
        var global = new GlobalOptions();
        // A plain command as the root, so usage reads "fileapi" however the tool was launched (shim, dotnet, tests).
        var root = new Command("fileapi", Description) { new System.CommandLine.Help.HelpOption(), new VersionOption() };
        foreach (var option in global.All)
            root.Options.Add(option);
        root.Subcommands.Add(TransferCommands.Upload(global, host));
        root.Subcommands.Add(TransferCommands.Download(global, host));
        root.Subcommands.Add(FileCommands.List(global, host));
        root.Subcommands.Add(FileCommands.Versions(global, host));
        root.Subcommands.Add(FileCommands.Remove(global, host));
        root.Subcommands.Add(FileCommands.Restore(global, host));
        root.Subcommands.Add(AdminCommands.Workspaces(global, host));
        root.Subcommands.Add(AdminCommands.Roles(global, host));
        root.Subcommands.Add(AdminCommands.Organizations(global, host));
        root.Subcommands.Add(SignInCommands.Login(global, host));
        root.Subcommands.Add(SignInCommands.Logout(global, host));
        root.Subcommands.Add(SignInCommands.WhoAmI(global, host));
        return root;
    }
}

/// <summary>Options every command takes.</summary>
sealed class GlobalOptions
{
    public Option<string?> Url { get; } = new("--url") { Description = "API address, e.g. http://127.0.0.1:5080 [env: FILEAPI_URL]", HelpName = "URL", Recursive = true };
    public Option<string?> Token { get; } = new("--token") { Description = "Bearer token [env: FILEAPI_TOKEN]", HelpName = "TOKEN", Recursive = true };
    public Option<string?> Organization { get; } = new("--org") { Description = "Organisation id [env: FILEAPI_ORG]", HelpName = "ID", Recursive = true };
    public Option<string?> Workspace { get; } = new("--workspace", "-w") { Description = "Workspace id [env: FILEAPI_WORKSPACE]", HelpName = "ID", Recursive = true };
    public Option<bool> Json { get; } = new("--json") { Description = "Write the result as JSON on stdout (for scripts)", Recursive = true };
    public Option<bool> Quiet { get; } = new("--quiet", "-q") { Description = "No progress output", Recursive = true };

    public Option<string?> Authority { get; } = new("--authority") { Description = "Sign-in authority host [env: FILEAPI_AUTHORITY; default https://login.microsoftonline.com/]", HelpName = "URL", Recursive = true };
    public Option<string?> Tenant { get; } = new("--tenant") { Description = "Entra tenant id [env: FILEAPI_TENANT_ID]", HelpName = "ID", Recursive = true };
    public Option<string?> ClientId { get; } = new("--client-id") { Description = "The CLI's app registration (public client) [env: FILEAPI_CLIENT_ID]", HelpName = "ID", Recursive = true };
    public Option<string?> Scope { get; } = new("--scope") { Description = "The API's scope, api://.../access_as_user [env: FILEAPI_SCOPE]", HelpName = "SCOPE", Recursive = true };

    public IEnumerable<Option> All => [Url, Token, Organization, Workspace, Json, Quiet, Authority, Tenant, ClientId, Scope];
}

/// <summary>One run of one command: its parsed values, settings and clients, made when first needed.</summary>
sealed class CommandContext(ParseResult parse, CliHost host, GlobalOptions global, CancellationToken cancellationToken)
{
    CliSettings? _settings;
    FileApiClient? _client;

    public CliHost Host => host;
    public CancellationToken CancellationToken => cancellationToken;
    public bool Json => parse.GetValue(global.Json);
    public bool Quiet => parse.GetValue(global.Quiet);

    public T? Get<T>(Option<T> option) => parse.GetValue(option);
    public T? Get<T>(Argument<T> argument) => parse.GetValue(argument);

    public CliSettings Settings => _settings ??= CliSettings.Resolve(
        parse.GetValue(global.Url), parse.GetValue(global.Token), parse.GetValue(global.Organization), parse.GetValue(global.Workspace), host);

    public FileApiClient Client => _client ??= CreateClient(_ => { });

    public SignInSettings SignIn => _signIn ??= SignInSettings.Resolve(
        parse.GetValue(global.Authority), parse.GetValue(global.Tenant), parse.GetValue(global.ClientId), parse.GetValue(global.Scope), host);

    SignInSettings? _signIn;

    /// <summary>The credential of API calls, when sign-in is configured: the login cache, else az login, else FILEAPI_TOKEN.</summary>
    public FirstAvailableCredential? Credential { get; private set; }

    public FileApiClient CreateClient(Action<FileApiClientOptions> configure)
    {
        var options = new FileApiClientOptions { BaseUri = Settings.Url, ApplicationId = "fileapi-cli" };
        if (parse.GetValue(global.Token) is null && SignIn.CanSignIn)
        {
            var signIn = SignIn;
            Credential = new FirstAvailableCredential(
            [
                ("fileapi login", async () => await UserSignIn.OpenAsync(signIn, host) is var user && await user.AccountAsync() is { } account ? user.Credential(account) : null),
                ("az login", () => new(new Azure.Identity.AzureCliCredential(new Azure.Identity.AzureCliCredentialOptions { TenantId = signIn.TenantId }))),
                (CliSettings.TokenVariable, () => new(Settings.Token is { } token ? new FixedTokenCredential(token) : null)),
            ]);
            options.Credential = Credential;
            options.Scopes = [signIn.Scope!];
        }
        else
        {
            options.Token = Settings.Token ?? throw new UsageException(
                $"No token: pass --token, set {CliSettings.TokenVariable}, add \"token\" to {host.ConfigFile}, or configure sign-in and run fileapi login.", ExitCodes.Auth);
        }
        configure(options);
        return host.CreateClient(options);
    }

    public WorkspaceClient Workspace => Client.GetWorkspaceClient(Settings.OrganizationId, Settings.WorkspaceId);

    /// <summary>The result: JSON on stdout with --json, else the human lines.</summary>
    public int Print<T>(T json, Func<IEnumerable<string>> human)
    {
        if (Json)
            CliJson.Write(host.Out, json);
        else
            foreach (var line in human())
                host.Out.WriteLine(line);
        return ExitCodes.Ok;
    }

    /// <summary>A note for the person at the terminal (stderr, so it never mixes with results).</summary>
    public void Note(string line)
    {
        if (!Quiet)
            host.Error.WriteLine(line);
    }

    /// <summary>A file in the workspace: a UUID is a file id; anything else (or <c>/</c> + a UUID) is a path.</summary>
    public static FileReference Remote(string text) => Guid.TryParse(text, out var id) ? id : FileReference.FromPath(text);
}

static class CommandActions
{
    /// <summary>Runs a command's action and maps every failure to an exit code, with a message on stderr (and the problem as JSON with --json).</summary>
    public static void SetHandler(this Command command, GlobalOptions global, CliHost host, Func<CommandContext, Task<int>> action) =>
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = new CommandContext(parse, host, global, cancellationToken);
            try
            {
                return await action(context);
            }
            catch (UsageException exception)
            {
                return Fail(context, exception.ExitCode, exception.Message, null);
            }
            catch (FileApiException exception)
            {
                return Fail(context, ExitCodes.For(exception), exception.Message, exception);
            }
            catch (ArgumentException exception)
            {
                return Fail(context, ExitCodes.Usage, exception.Message, null);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return Fail(context, ExitCodes.Cancelled, "Interrupted.", null);
            }
            catch (Exception exception) when (exception is FileNotFoundException or DirectoryNotFoundException)
            {
                return Fail(context, ExitCodes.NotFound, exception.Message, null);
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                return Fail(context, ExitCodes.LocalIo, exception.Message, null);
            }
        });

    static int Fail(CommandContext context, int exitCode, string message, FileApiException? problem)
    {
        context.Host.Error.WriteLine($"fileapi: {message}");
        if (context.Json)
            CliJson.Write(context.Host.Out, new
            {
                error = new { exit_code = exitCode, message, status = problem?.Status, type = problem?.Type, title = problem?.Title, detail = problem?.Detail },
            });
        return exitCode;
    }
}
