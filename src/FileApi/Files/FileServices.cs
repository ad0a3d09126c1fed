using FileApi.Storage;
using FileApi.Workspaces;

namespace FileApi.Files;

public static class FileServices
{
    public static IServiceCollection AddFiles(this IServiceCollection services)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddOptions<FilesOptions>().BindConfiguration("Files").ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<FileLinks>();
        services.AddSingleton<VersionWaiters>();
        services.AddScoped<UploadCompletion>();
        services.AddScoped<FileReader>();
        services.AddOptions<LifecycleOptions>().BindConfiguration("Lifecycle").ValidateDataAnnotations().ValidateOnStart();
        services.AddScoped<Reconciler>();
        services.AddHostedService<ReconcilerService>();
        services.AddScoped<WorkspaceScope>();
        services.AddHostedService<ContainerInitializer>();
        return services;
    }

    /// <summary>Creates the files container at start, so a fresh storage account (or Azurite) works at once.</summary>
    sealed class ContainerInitializer(BlobStorage storage, ILogger<ContainerInitializer> logger) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            try
            {
                await storage.CreateContainerIfNotExistsAsync(cancellationToken);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // The API still starts: reads of ready files work without it and uploads fail with a clear error.
                logger.LogError(exception, "Could not create the blob container {Container}", storage.ContainerName);
            }
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
