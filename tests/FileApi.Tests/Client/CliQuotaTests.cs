using System.Text.Json;
using FileApi.Cli;
using FileApi.Tests.Infrastructure;
using WorkspaceRole = FileApi.Data.WorkspaceRole;

namespace FileApi.Tests.Client;

/// <summary><c>fileapi workspaces quota</c>, through the .NET client's <c>SetQuotaAsync</c>, against the real API and Azurite.</summary>
public sealed class CliQuotaTests(FileApiFactory factory) : IClassFixture<FileApiFactory>, IDisposable
{
    readonly CliRunner _cli = new(factory);

    [Fact]
    public async Task AnAdminSetsShowsAndRemovesTheQuotaAndAnUploadThatDoesNotFitIsAConflict()
    {
        var set = await _cli.RunAsync("workspaces", "quota", "1KiB", "--json");
        var shown = await _cli.RunAsync("workspaces", "quota", "--json");
        var source = _cli.LocalPath("big.bin");
        await File.WriteAllBytesAsync(source, new byte[1025]);
        var refused = await _cli.RunAsync("upload", source, "cli/quota/big.bin");
        var removed = await _cli.RunAsync("workspaces", "quota", "none", "--json");
        var uploaded = await _cli.RunAsync("upload", source, "cli/quota/big.bin");

        Assert.Equal(ExitCodes.Ok, set.ExitCode);
        Assert.Equal(1024, JsonDocument.Parse(set.Out).RootElement.GetProperty("quota_bytes").GetInt64());
        Assert.Equal(ExitCodes.Ok, shown.ExitCode);
        var quota = JsonDocument.Parse(shown.Out).RootElement;
        Assert.Equal(1024, quota.GetProperty("quota_bytes").GetInt64());
        Assert.Equal(0, quota.GetProperty("usage").GetProperty("bytes").GetInt64());
        Assert.Equal(ExitCodes.Conflict, refused.ExitCode);
        Assert.Contains("quota-exceeded", refused.Error);
        Assert.Equal(ExitCodes.Ok, removed.ExitCode);
        Assert.False(JsonDocument.Parse(removed.Out).RootElement.TryGetProperty("quota_bytes", out _)); // no quota, as in the workspace's GET
        Assert.Equal(ExitCodes.Ok, uploaded.ExitCode);
    }

    [Fact]
    public async Task AWorkspaceOwnerWhoIsNoAdminCannotSetTheQuotaAndANegativeOneIsAUsageError()
    {
        await factory.GrantAsync("cli-quota-owner", WorkspaceRole.Owner);
        using var owner = new CliRunner(factory, "cli-quota-owner");

        var forbidden = await owner.RunAsync("workspaces", "quota", "100");
        var negative = await _cli.RunAsync("workspaces", "quota", "-5");

        Assert.Equal(ExitCodes.Auth, forbidden.ExitCode);
        Assert.Equal(ExitCodes.Usage, negative.ExitCode);
    }

    public void Dispose() => _cli.Dispose();
}
