namespace FileApi.Cli;

// A named entry point rather than top-level statements: with ASP.NET Core referenced (for its media type table), the
// SDK would make a top-level Program public, and tests that reference both this and the API would see two Programs.
static class Program
{
    static Task<int> Main(string[] args) => FileApiCli.RunAsync(args, CliHost.FromProcess());
}
