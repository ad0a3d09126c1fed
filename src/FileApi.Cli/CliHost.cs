using FileApi.Client;

namespace FileApi.Cli;

/// <summary>
/// Everything the CLI takes from its surroundings: output, environment, where its config and state live, whether a
/// person is watching, and how clients are made. Tests run the real commands in-process with their own.
/// </summary>
public sealed class CliHost
{
    public required TextWriter Out { get; init; }
    public required TextWriter Error { get; init; }
    public required Func<string, string?> GetEnvironmentVariable { get; init; }

    /// <summary><c>$XDG_CONFIG_HOME/fileapi/config.json</c>, by default <c>~/.config/fileapi/config.json</c>.</summary>
    public required string ConfigFile { get; init; }

    /// <summary><c>$XDG_STATE_HOME/fileapi</c>, by default <c>~/.local/state/fileapi</c>: resumable upload state.</summary>
    public required string StateDirectory { get; init; }

    /// <summary>A terminal is attached: draw progress bars. Otherwise progress is a line now and then.</summary>
    public bool Interactive { get; init; }

    public Func<FileApiClientOptions, FileApiClient> CreateClient { get; init; } = options => new FileApiClient(options);

    public static CliHost FromProcess()
    {
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        string Xdg(string variable, string fallback) =>
            Environment.GetEnvironmentVariable(variable) is { Length: > 0 } set && Path.IsPathRooted(set) ? set : Path.Combine(home, fallback);
        return new CliHost
        {
            Out = Console.Out,
            Error = Console.Error,
            GetEnvironmentVariable = Environment.GetEnvironmentVariable,
            ConfigFile = Path.Combine(Xdg("XDG_CONFIG_HOME", ".config"), "fileapi", "config.json"),
            StateDirectory = Path.Combine(Xdg("XDG_STATE_HOME", Path.Combine(".local", "state")), "fileapi"),
            Interactive = !Console.IsErrorRedirected && Environment.GetEnvironmentVariable("CI") is null && Environment.GetEnvironmentVariable("TERM") != "dumb",
        };
    }
}
