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
builder.Services.AddFileApiHealthChecks();
builder.Services.ConfigureHttpJsonOptions(options => options.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower);

var app = builder.Build();

if (await app.TryRunCommandAsync(args))
    return;

app.UseExceptionHandler();
app.UseStatusCodePages();

app.MapHealthChecks("/healthz");
app.MapFiles();
app.MapStorageEvents();

app.Run();

public partial class Program;
