using System.Diagnostics;
using System.Text;
using System.Text.Json;
using FileApi.Tests.Infrastructure;

namespace FileApi.Tests.OpenApi;

/// <summary>The served document passes Redocly's recommended rules (redocly.yaml), as client generators need it to.</summary>
public sealed class OpenApiLintTests(OpenApiFactory factory) : IClassFixture<OpenApiFactory>
{
    [Fact]
    public async Task TheServedDocumentLintsWithoutErrorsOrWarnings()
    {
        using var client = factory.CreateClient();
        var document = Path.Combine(Path.GetTempPath(), $"fileapi-openapi-{Guid.NewGuid():N}.json");
        using var served = await client.GetAsync("/openapi/v1.json");
        Assert.True(served.IsSuccessStatusCode, await served.Content.ReadAsStringAsync());
        await File.WriteAllTextAsync(document, await served.Content.ReadAsStringAsync());
        try
        {
            var (exitCode, output) = await LintAsync(document);

            using var report = JsonDocument.Parse(output[output.IndexOf('{')..]);
            var totals = report.RootElement.GetProperty("totals");
            var problems = string.Join('\n', report.RootElement.GetProperty("problems").EnumerateArray()
                .Select(p => $"{p.GetProperty("severity").GetString()} {p.GetProperty("ruleId").GetString()}: {p.GetProperty("message").GetString()} " +
                    string.Join(' ', p.GetProperty("location").EnumerateArray().Select(l => l.GetProperty("pointer").GetString()))));
            Assert.True(totals.GetProperty("errors").GetInt32() == 0 && totals.GetProperty("warnings").GetInt32() == 0, problems);
            Assert.Equal(0, exitCode);
        }
        finally
        {
            File.Delete(document);
        }
    }

    static async Task<(int ExitCode, string Output)> LintAsync(string document)
    {
        var cli = Path.Combine(Node.NodeModules, "@redocly", "cli", "bin", "cli.js");
        var start = new ProcessStartInfo("node")
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            WorkingDirectory = Repository.Root,
        };
        foreach (var arg in new[] { cli, "lint", document, "--config", Path.Combine(Repository.Root, "redocly.yaml"), "--format", "json" })
            start.ArgumentList.Add(arg);
        // No telemetry or update checks: the tests run offline.
        start.Environment["REDOCLY_TELEMETRY"] = "off";
        start.Environment["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true";
        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start node.");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        var output = await stdout;
        Assert.True(output.Contains('{'), $"redocly lint printed no report:\n{await stderr}");
        return (process.ExitCode, output);
    }
}
