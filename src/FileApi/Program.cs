using System.Text.Json;
using FileApi.Auth;
using FileApi.Data;
using FileApi.Events;
using FileApi.Files;
using FileApi.Http;
using FileApi.Imports;
using FileApi.Notifications;
using FileApi.Storage;
using FileApi.Telemetry;
using FileApi.Workspaces;

var builder = WebApplication.CreateBuilder(args);

builder.AddFileApiData();
builder.AddFileApiTelemetry();
builder.Services.AddJwtAuthentication(builder.Configuration);
builder.Services.AddLocalTokenIssuerGuard();
builder.Services.AddFileApiRateLimiting();
builder.Services.AddBlobStorage();
builder.Services.AddFiles();
builder.Services.AddStorageEvents();
builder.Services.AddNotifications();
builder.Services.AddImports();
builder.Services.AddFileApiProblemDetails();
builder.Services.AddFileApiRequestLimits();
builder.Services.AddFileApiHealthChecks();
builder.Services.AddFileApiOpenApi();
builder.Services.AddBrowserSignIn();
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

app.MapFileApiHealthChecks();
app.MapFileApiOpenApi();
app.MapBrowserSignIn();
app.MapWorkspaces();
app.MapWorkspaceQuota();
app.MapFiles();
app.MapImports();
app.MapWebhooks();
app.MapStorageEvents();

app.Run();

public partial class Program;
