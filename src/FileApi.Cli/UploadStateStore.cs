using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using FileApi.Client;

namespace FileApi.Cli;

/// <summary>
/// Unfinished uploads, one small JSON file each under <c>{state directory}/uploads/</c>, named by a hash of the
/// local file's absolute path, size and modification time and of the destination (API, organisation, workspace,
/// remote path). The same command on the same unchanged file finds its state and resumes; a changed file starts over.
/// </summary>
sealed class UploadStateStore(string stateDirectory)
{
    public sealed record Entry(Guid FileId, string VersionId, string Source, string Destination, long Size, DateTimeOffset Modified, DateTimeOffset StartedAt)
    {
        [JsonIgnore]
        public UploadState State => new(FileId, VersionId);
    }

    public string PathFor(FileInfo source, string destination)
    {
        var key = string.Join('\n', source.FullName, source.Length, source.LastWriteTimeUtc.Ticks, destination);
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..32];
        return Path.Combine(stateDirectory, "uploads", hash + ".json");
    }

    public Entry? Load(string path)
    {
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize<Entry>(File.ReadAllText(path), CliJson.Options) : null;
        }
        catch (JsonException)
        {
            return null; // A damaged state file only costs a fresh start.
        }
    }

    public async Task SaveAsync(string path, Entry entry, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + ".tmp";
        await File.WriteAllTextAsync(temporary, JsonSerializer.Serialize(entry, CliJson.Options), cancellationToken);
        File.Move(temporary, path, overwrite: true);
    }

    public static void Delete(string path) => File.Delete(path);
}
