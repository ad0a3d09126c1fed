using System.Text.Json;
using FileApi.Auth;
using FileApi.Data;
using FileApi.Events;
using FileApi.Files;
using FileApi.Http;
using FileApi.Storage;
using FileApi.Workspaces;

var builder = WebApplication.CreateBuilder(args);

builder.AddFileApiData();
builder.Services.AddJwtAuthentication(builder.Configuration);
builder.Services.AddDevelopmentSignIn();
builder.Services.AddFileApiRateLimiting();
builder.Services.AddBlobStorage();
builder.Services.AddFiles();
builder.Services.AddStorageEvents();
builder.Services.AddFileApiProblemDetails();
builder.Services.AddFileApiHealthChecks();
builder.Services.AddFileApiOpenApi();
builder.Services.ConfigureHttpJsonOptions(options => options.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower);

var app = builder.Build();

if (await app.TryRunCommandAsync(args))
    return;

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseBrowserApp();
app.UseAuthentication();
app.UseRateLimiter();
app.UseAuthorization();

app.MapHealthChecks("/healthz");
app.MapFileApiOpenApi();
app.MapDevelopmentSignIn();
app.MapWorkspaces();
app.MapFiles();
app.MapStorageEvents();

app.Run();

public partial class Program;
