using System.Text.Json;
using FileApi.Data;
using FileApi.Events;
using FileApi.Files;
using FileApi.Http;
using FileApi.Storage;

var builder = WebApplication.CreateBuilder(args);

builder.AddFileApiData();
builder.Services.AddBlobStorage();
builder.Services.AddFiles();
builder.Services.AddStorageEvents();
builder.Services.AddFileApiProblemDetails();
builder.Services.ConfigureHttpJsonOptions(options => options.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower);

var app = builder.Build();

if (args.FirstOrDefault() == "migrate")
{
    await app.Services.GetRequiredService<DatabaseMigrator>().MigrateAsync(CancellationToken.None);
    return;
}

app.UseExceptionHandler();
app.UseStatusCodePages();

app.MapFiles();
app.MapStorageEvents();

app.Run();

public partial class Program;
