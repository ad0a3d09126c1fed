using FileApi.Storage;

namespace FileApi.LocalEventGrid;

static class RelayProgram
{
    static void Main(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args);
        builder.Services.AddBlobStorage();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddOptions<RelayOptions>().BindConfiguration("Relay").ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddHttpClient<BlobEventRelay>();
        builder.Services.AddHostedService(services => services.GetRequiredService<BlobEventRelay>());
        builder.Build().Run();
    }
}
