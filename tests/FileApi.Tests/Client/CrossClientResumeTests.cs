using FileApi.Client;
using FileApi.Tests.Infrastructure;

namespace FileApi.Tests.Client;

/// <summary>
/// One block-id scheme for every client: an upload started by another client (the official JS SDK writing the Evo
/// SDK's block ids) is finished by the .NET client, and the other way round, sending only the blocks storage lacks.
/// </summary>
public sealed class CrossClientResumeTests(FileApiFactory factory) : IClassFixture<FileApiFactory>, IDisposable
{
    const int BlockSize = 64 * 1024;
    readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("fileapi-cross-client-");

    [Fact]
    public async Task BlocksStagedByTheJsSdkWithEvoIdsAreKeptWhenTheDotNetClientResumes()
    {
        await using var content = new DeterministicStream(5L * BlockSize + 321);
        var local = await WriteAsync(content, "from-js.bin");
        var storage = new StorageSpy(factory);
        // The .NET client's own block size differs: it must follow the layout the other client started with.
        var files = factory.WorkspaceClientFor(storage, options => options.BlockSize = 1024 * 1024);
        var link = await files.RegisterVersionAsync("cross/from-js.bin", new RegisterVersionOptions { Size = content.Length });

        var staged = await Node.RunScriptAsync(Path.Combine("Client", "js", "evo-blocks.js"), link.Upload.AbsoluteUri, local, BlockSize.ToString(), "stage", "2");
        var file = await files.UploadAsync("cross/from-js.bin", local, new UploadOptions { ResumeFrom = link.State });

        Assert.Equal("2", staged.Trim());
        Assert.Equal([TestData.BlockId(2 * BlockSize), TestData.BlockId(3 * BlockSize), TestData.BlockId(4 * BlockSize), TestData.BlockId(5 * BlockSize)],
            storage.AcceptedBlocks.Order());
        Assert.Equal(link.VersionId, file.VersionId);
        await files.AssertDownloadsAsync(file, content);
    }

    [Fact]
    public async Task AnUploadTheDotNetClientLeftUnfinishedIsFinishedByTheJsSdk()
    {
        await using var content = new DeterministicStream(6L * BlockSize - 17);
        var local = await WriteAsync(content, "from-dotnet.bin");
        var storage = new StorageSpy(factory);
        var files = factory.WorkspaceClientFor(storage, options => (options.BlockSize, options.MaxConcurrency) = (BlockSize, 1));
        using var crash = new CancellationTokenSource();
        storage.After = (request, response) =>
        {
            if (StorageSpy.IsPutBlock(request) && storage.AcceptedBlocks.Count >= 2)
                crash.Cancel();
            return response;
        };
        UploadState? state = null;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => files.UploadAsync("cross/from-dotnet.bin", local,
            new UploadOptions { Started = (s, _) => { state = s; return ValueTask.CompletedTask; } }, crash.Token));
        var held = await ClientTestKit.HeldBlocksAsync(factory, state!);

        var renewed = await files.RenewUploadLinkAsync(state!.FileId, state.VersionId);
        var staged = await Node.RunScriptAsync(Path.Combine("Client", "js", "evo-blocks.js"), renewed.Upload.AbsoluteUri, local, BlockSize.ToString(), "resume");
        var file = await files.WaitForReadyAsync(state.FileId, state.VersionId);

        Assert.InRange(held.Count, 2, 5);
        Assert.Equal(6 - held.Count, int.Parse(staged.Trim()));
        Assert.Equal(content.Length, file.Size);
        await files.AssertDownloadsAsync(file, content);
    }

    async Task<string> WriteAsync(Stream content, string name)
    {
        var path = Path.Combine(_directory.FullName, name);
        content.Position = 0;
        await using (var file = File.Create(path))
            await content.CopyToAsync(file);
        return path;
    }

    public void Dispose() => _directory.Delete(recursive: true);
}
