using System.CommandLine;
using System.Globalization;
using FileApi.Client;

namespace FileApi.Cli;

static class FileCommands
{
    public static Command List(GlobalOptions global, CliHost host)
    {
        var folder = new Argument<string?>("folder") { Description = "The folder to list (e.g. docs/; default: the workspace root)", Arity = ArgumentArity.ZeroOrOne };
        var recursive = new Option<bool>("--recursive", "-r") { Description = "Every file below the folder, at any depth, instead of one level (subfolders and own files)" };
        var limit = new Option<int?>("--limit") { Description = "Files per page, 1 to 5000 (server default 100)", HelpName = "N" };
        var all = new Option<bool>("--all") { Description = "Every matching file, following the pages" };
        var deleted = new Option<bool>("--deleted") { Description = "Only deleted files" };
        var name = new Option<string?>("--name") { Description = "Name contains this text (any case)", HelpName = "TEXT" };
        var author = new Option<string?>("--author") { Description = "Created by this user id", HelpName = "USER_ID" };
        var orderBy = new Option<string?>("--order-by")
        {
            Description = "name, path, created_at, modified_at, size or deleted_at, optionally with :asc or :desc",
            HelpName = "FIELD[:asc|:desc]",
        };
        var createdAt = DateFilterOption("--created-at", "created");
        var modifiedAt = DateFilterOption("--modified-at", "last modified");
        var deletedAt = DateFilterOption("--deleted-at", "deleted");

        var command = new Command("ls",
            "List files: one folder level (subfolders, then files), or with -r every file below it, by path unless --order-by says otherwise. "
            + "--deleted, the filters and --order-by list at any depth.")
            { folder, recursive, limit, all, deleted, name, author, orderBy, createdAt, modifiedAt, deletedAt };
        command.SetHandler(global, host, async context =>
        {
            // The folder view is of live files in path order: asking for anything else means the flat listing.
            var flat = context.Get(recursive) || context.Get(deleted) || context.Get(name) is not null || context.Get(author) is not null
                || context.Get(orderBy) is not null || context.Get(createdAt) is { Length: > 0 } || context.Get(modifiedAt) is { Length: > 0 }
                || context.Get(deletedAt) is { Length: > 0 };
            var options = new ListFilesOptions
            {
                Delimiter = flat ? null : "/",
                Folder = context.Get(folder) is { Length: > 0 } given ? "/" + given.Trim('/') + "/" : null,
                Limit = context.Get(limit),
                Deleted = context.Get(deleted) ? true : null,
                FileName = context.Get(name),
                Author = context.Get(author),
                OrderBy = context.Get(orderBy),
            };
            AddFilters(options.CreatedAt, context.Get(createdAt));
            AddFilters(options.ModifiedAt, context.Get(modifiedAt));
            AddFilters(options.DeletedAt, context.Get(deletedAt));

            var page = await context.Workspace.ListFilesAsync(options, context.CancellationToken);
            var files = page.Files.ToList();
            var folders = (page.Folders ?? []).ToList();
            if (context.Get(all))
            {
                while (await context.Workspace.GetNextPageAsync(page, context.CancellationToken) is { } next)
                {
                    files.AddRange(next.Files);
                    folders.AddRange(next.Folders ?? []);
                    page = next;
                }
            }
            else if (page.Links?.Next is not null)
            {
                context.Note(flat
                    ? $"{files.Count} of {page.Total} files shown; --all lists every one."
                    : $"{folders.Count + files.Count} of {page.Total} folders and files shown; --all lists every one.");
            }

            // JSON: an array of files, as the API writes them; one level puts its subfolders first, each marked "type": "folder".
            IEnumerable<object> json = [.. folders.Select(f => new FolderJson(f.Name, f.Path, f.FileCount)), .. files];
            return context.Print(json.ToList(), () => Table(["SIZE", context.Get(deleted) ? "DELETED" : "MODIFIED", "VERSION", "PATH"],
                folders.Select(f => new[] { f.FileCount == 1 ? "1 file" : $"{f.FileCount} files", "", "", f.FullPath })
                    .Concat(files.Select(f => new[] { TransferDisplay.Bytes(f.Size), Time(context.Get(deleted) ? f.DeletedAt : f.ModifiedAt), f.VersionId, f.FullPath }))));
        });
        return command;
    }

    public static Command Versions(GlobalOptions global, CliHost host)
    {
        var remote = new Argument<string>("file") { Description = "Path in the workspace, or file id" };
        var command = new Command("versions", "Show a file's ready versions, newest first.") { remote };
        command.SetHandler(global, host, async context =>
        {
            var file = await context.Workspace.GetFileAsync(CommandContext.Remote(context.Get(remote)!), new GetFileOptions { IncludeVersions = true },
                context.CancellationToken);
            var versions = file.Versions ?? [];
            return context.Print(versions, () => Table(["VERSION", "SIZE", "CREATED", "BY"],
                versions.Select(v => new[] { v.VersionId, TransferDisplay.Bytes(v.Size), Time(v.CreatedAt), v.CreatedBy?.Name ?? v.CreatedBy?.Id ?? "" })));
        });
        return command;
    }

    public static Command Remove(GlobalOptions global, CliHost host)
    {
        var remote = new Argument<string[]>("file") { Description = "Paths in the workspace, or file ids", Arity = ArgumentArity.OneOrMore };
        var command = new Command("rm", "Delete files. Deletion is soft: an owner can restore them (fileapi restore).") { remote };
        command.SetHandler(global, host, async context =>
        {
            var deleted = new List<string>();
            foreach (var file in context.Get(remote)!)
            {
                await context.Workspace.DeleteFileAsync(CommandContext.Remote(file), context.CancellationToken);
                deleted.Add(file);
            }
            return context.Print(new { deleted }, () => deleted.Select(file => $"Deleted {file}"));
        });
        return command;
    }

    public static Command Restore(GlobalOptions global, CliHost host)
    {
        var fileId = new Argument<Guid>("file-id") { Description = "Id of the deleted file (fileapi ls --deleted shows it)" };
        var command = new Command("restore", "Restore a deleted file (owners). If its path was taken meanwhile, it comes back under a new name.") { fileId };
        command.SetHandler(global, host, async context =>
        {
            var result = await context.Workspace.RestoreFileAsync(context.Get(fileId), context.CancellationToken);
            return context.Print(result, () => [result.Moved && result.File is { } file
                ? $"Restored as {file.FullPath}: its old path was taken."
                : $"Restored {context.Get(fileId)}."]);
        });
        return command;
    }

    sealed record FolderJson(string Name, string Path, long FileCount)
    {
        public string Type => "folder";
    }

    static Option<string[]> DateFilterOption(string name, string what)
    {
        var option = new Option<string[]>(name)
        {
            Description = $"When the file was {what}: lt:, lte:, gt: or gte: and a date or time (repeatable), e.g. gte:2026-01-01",
            HelpName = "OP:TIME",
        };
        option.Validators.Add(result =>
        {
            foreach (var value in result.GetValueOrDefault<string[]>() ?? [])
                if (!DateFilter.TryParse(value, out _))
                    result.AddError($"{name} '{value}' is not OP:TIME with OP one of lt, lte, gt, gte.");
        });
        return option;
    }

    static void AddFilters(IList<DateFilter> filters, string[]? values)
    {
        foreach (var value in values ?? [])
            filters.Add(DateFilter.TryParse(value, out var filter) ? filter : throw new UsageException($"'{value}' is not a date filter."));
    }

    static string Time(DateTimeOffset? time) => time?.ToUniversalTime().ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) ?? "";

    /// <summary>Columns padded to their widest cell, the last one free.</summary>
    public static IEnumerable<string> Table(string[] headers, IEnumerable<string[]> rows)
    {
        var all = rows.Prepend(headers).ToList();
        var widths = headers.Select((_, column) => all.Max(row => row[column].Length)).ToArray();
        return all.Select(row => string.Join("  ", row.Select((cell, column) => column == row.Length - 1 ? cell : cell.PadRight(widths[column]))).TrimEnd());
    }
}
