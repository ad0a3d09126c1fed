using System.ComponentModel.DataAnnotations;

namespace FileApi.Files;

public sealed class FilesOptions
{
    /// <summary>Largest file a version may hold; larger committed blobs fail and are deleted.</summary>
    [Range(1, long.MaxValue)]
    public long MaxFileSize { get; set; } = 200L * 1024 * 1024 * 1024;

    /// <summary>How long one instance may take to hash a blob before another may try again.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan VerificationTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Longest <c>wait=</c> a poll may ask for, in seconds.</summary>
    [Range(0, 300)]
    public int MaxWaitSeconds { get; set; } = 60;
}
