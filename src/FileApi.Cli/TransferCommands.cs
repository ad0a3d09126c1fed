using System.CommandLine;
using System.Diagnostics;
using FileApi.Client;

namespace FileApi.Cli;

static class TransferCommands
{
    public static Command Upload(GlobalOptions global, CliHost host)
    {
        var local = new Argument<string>("file") { Description = "Local file to upload" };
        var remote = new Argument<string?>("remote-path")
        {
            Description = "Path in the workspace (default: the file's name; ending in / puts it in that folder)",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var blockSize = new Option<int>("--block-size") { Description = "Block size in MiB", HelpName = "MIB", DefaultValueFactory = _ => 8 };
        var concurrency = new Option<int>("--concurrency") { Description = "Blocks sent at once", HelpName = "N", DefaultValueFactory = _ => 4 };
        var sha256 = new Option<bool>("--sha256") { Description = "Compute the SHA-256 first and declare it, so storage content that differs is never accepted" };
        var noResume = new Option<bool>("--no-resume")
        {
            Description = "Start a new version instead of resuming an interrupted upload of this unchanged file to the same place "
                + "(resume state: ~/.local/state/fileapi/uploads/, or $XDG_STATE_HOME/fileapi; removed once the upload completes)",
        };
        var abort = new Option<bool>("--abort")
        {
            Description = "Give up the interrupted upload of this file to this place for good: the service drops its blocks and the resume state is removed",
        };
        var contentType = new Option<string?>("--content-type")
        {
            Description = "Media type downloads are served with (default: guessed from the file's extension, else application/octet-stream)",
            HelpName = "TYPE",
        };
        var meta = new Option<string[]>("--meta")
        {
            Description = "Metadata kept with the version, KEY=VALUE (repeatable; keys: a-z 0-9 _ - ., at most 32 entries)",
            HelpName = "KEY=VALUE",
        };
        meta.Validators.Add(result =>
        {
            foreach (var value in result.GetValueOrDefault<string[]>() ?? [])
                if (value.IndexOf('=') <= 0)
                    result.AddError($"--meta '{value}' is not KEY=VALUE.");
        });
        blockSize.Validators.Add(result => { if (result.GetValueOrDefault<int>() is < 1 or > 1024) result.AddError("--block-size must be 1 to 1024 MiB."); });
        concurrency.Validators.Add(result => { if (result.GetValueOrDefault<int>() is < 1 or > 64) result.AddError("--concurrency must be 1 to 64."); });

        var command = new Command("upload",
            "Upload a file as a new version, in parallel blocks straight to storage, and wait until it is ready. An interrupted upload resumes when run again.")
            { local, remote, blockSize, concurrency, sha256, contentType, meta, noResume, abort };

        command.SetHandler(global, host, async context =>
        {
            var source = new FileInfo(context.Get(local)!);
            if (!source.Exists)
                throw new FileNotFoundException($"No such file: {source.FullName}");
            var destination = context.Get(remote) is { Length: > 0 } given ? given : source.Name;
            if (destination.EndsWith('/'))
                destination += source.Name;

            var settings = context.Settings;
            var store = new UploadStateStore(host.StateDirectory);
            var statePath = store.PathFor(source, $"{settings.Url}|{settings.OrganizationId}|{settings.WorkspaceId}|{destination}");
            var resumable = context.Get(noResume) ? null : store.Load(statePath);
            var files = context.CreateClient(options => (options.BlockSize, options.MaxConcurrency) = (context.Get(blockSize) * 1024 * 1024, context.Get(concurrency)))
                .GetWorkspaceClient(settings.OrganizationId, settings.WorkspaceId);
            if (context.Get(abort))
                return await AbortAsync(context, files, store.Load(statePath), statePath, source, destination);

            var clock = Stopwatch.StartNew();
            var file = await TransferDisplay.RunAsync(host, context.Quiet, $"upload {source.Name}", async progress =>
            {
                var options = new UploadOptions
                {
                    Progress = new SynchronousProgress<UploadProgress>(p => progress.Report((p.BytesTransferred, p.TotalBytes))),
                    DeclareSha256 = context.Get(sha256),
                    ContentType = context.Get(contentType) ?? ContentTypes.Guess(source.Name),
                    Metadata = Metadata(context.Get(meta)),
                    ResumeFrom = resumable?.State,
                    Started = (state, cancellationToken) => new ValueTask(store.SaveAsync(statePath,
                        new UploadStateStore.Entry(state.FileId, state.VersionId, source.FullName, destination, source.Length,
                            source.LastWriteTimeUtc, resumable?.StartedAt ?? DateTimeOffset.UtcNow), cancellationToken)),
                };
                if (resumable is not null)
                    context.Note($"Resuming the interrupted upload of {source.Name} (version {resumable.VersionId}).");
                try
                {
                    return await files.UploadAsync(destination, source.FullName, options, context.CancellationToken);
                }
                catch (FileApiException exception) when (resumable is not null && exception is { Status: 404 } or { Type: FileApiProblemTypes.VersionFailed })
                {
                    context.Note($"The interrupted upload cannot be resumed ({exception.Title}); starting over.");
                    UploadStateStore.Delete(statePath);
                    options.ResumeFrom = null;
                    return await files.UploadAsync(destination, source.FullName, options, context.CancellationToken);
                }
                catch when (File.Exists(statePath))
                {
                    context.Note("Run the same command again to resume this upload.");
                    throw;
                }
            });
            UploadStateStore.Delete(statePath);

            return context.Print(file, () =>
            [
                $"Uploaded {file.FullPath} ({TransferDisplay.Bytes(file.Size)}) as version {file.VersionId} in {clock.Elapsed.TotalSeconds:0.0} s.",
                $"File id {file.FileId}",
            ]);
        });
        return command;
    }

    /// <summary>KEY=VALUE pairs (split at the first '='); a key given twice is a usage error, not "last one wins".</summary>
    static Dictionary<string, string>? Metadata(string[]? pairs)
    {
        if (pairs is not { Length: > 0 })
            return null;
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in pairs)
        {
            var equals = pair.IndexOf('=');
            if (!metadata.TryAdd(pair[..equals], pair[(equals + 1)..]))
                throw new UsageException($"--meta gives '{pair[..equals]}' more than once.");
        }
        return metadata;
    }

    /// <summary>Ctrl+C keeps the resume state; this is how a user gives the upload up instead of leaving it to expire.</summary>
    static async Task<int> AbortAsync(CommandContext context, WorkspaceClient files, UploadStateStore.Entry? interrupted, string statePath, FileInfo source, string destination)
    {
        if (interrupted is null)
            throw new UsageException($"There is no interrupted upload of {source.FullName} to {destination} to abort.", ExitCodes.NotFound);
        try
        {
            await files.AbortUploadAsync(interrupted.FileId, interrupted.VersionId, context.CancellationToken);
        }
        catch (FileApiException gone) when (gone.Status is 404 or 410 && gone.Type != FileApiProblemTypes.RouteNotFound)
        {
            // Nothing left on the service to give up: only the local state remains.
        }
        catch (FileApiException finished) when (finished.Status == 409)
        {
            // The upload had finished (its commit was seen): there is nothing to resume either.
            UploadStateStore.Delete(statePath);
            throw;
        }
        UploadStateStore.Delete(statePath);
        return context.Print(new { file_id = interrupted.FileId, version_id = interrupted.VersionId, aborted = true },
            () => [$"Aborted the interrupted upload of {source.Name} to {destination} (version {interrupted.VersionId})."]);
    }

    public static Command Download(GlobalOptions global, CliHost host)
    {
        var remote = new Argument<string>("file") { Description = "Path in the workspace, or file id" };
        var local = new Argument<string?>("destination")
        {
            Description = "Local file or existing folder (default: the file's name in the current folder)",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var version = new Option<string?>("--version") { Description = "A version id (default: the latest ready version)", HelpName = "ID" };
        var noResume = new Option<bool>("--no-resume")
        {
            Description = "Discard <destination>.<version_id>.part, the bytes of an interrupted download, and start again "
                + "(the part file becomes <destination> once complete)",
        };

        var command = new Command("download", "Download a file. An interrupted download resumes from its .part file when run again.")
            { remote, local, version, noResume };

        command.SetHandler(global, host, async context =>
        {
            var files = context.Workspace;
            var file = await files.GetFileAsync(CommandContext.Remote(context.Get(remote)!), new GetFileOptions { VersionId = context.Get(version) }, context.CancellationToken);
            var target = context.Get(local) is { Length: > 0 } given ? given : file.Name;
            if (Directory.Exists(target))
                target = Path.Combine(target, file.Name);

            await TransferDisplay.RunAsync(host, context.Quiet, $"download {file.Name}", progress =>
                files.DownloadToAsync(file.FileId, target, new DownloadOptions
                {
                    VersionId = file.VersionId,
                    Resume = !context.Get(noResume),
                    Progress = new SynchronousProgress<DownloadProgress>(p => progress.Report((p.BytesTransferred, p.TotalBytes))),
                }, context.CancellationToken));

            var localPath = Path.GetFullPath(target);
            return context.Print(new { file, local_path = localPath },
                () => [$"Downloaded {file.FullPath} version {file.VersionId} ({TransferDisplay.Bytes(file.Size)}) to {localPath}."]);
        });
        return command;
    }
}
