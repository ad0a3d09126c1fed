using Azure.Monitor.OpenTelemetry.AspNetCore;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace FileApi.Telemetry;

public enum TelemetryExporter
{
    None,
    Otlp,
    Console,
}

/// <summary><c>Telemetry</c> settings: where traces, metrics and logs go besides Application Insights.</summary>
public sealed class TelemetryOptions
{
    public const string SectionName = "Telemetry";

    /// <summary>
    /// Otlp sends to OTEL_EXPORTER_OTLP_ENDPOINT (default http://localhost:4317), Console prints spans and metrics.
    /// Application Insights needs no setting here: APPLICATIONINSIGHTS_CONNECTION_STRING (or AzureMonitor:ConnectionString) turns it on.
    /// </summary>
    public TelemetryExporter Exporter { get; set; }
}

public static class TelemetryExtensions
{
    const string ApplicationInsightsSetting = "APPLICATIONINSIGHTS_CONNECTION_STRING";
    const string AzureMonitorSetting = "AzureMonitor:ConnectionString";

    /// <summary>
    /// OpenTelemetry for traces (ASP.NET Core, HttpClient, Npgsql, the Azure SDK, our own), metrics and logs, exported to
    /// Application Insights when a connection string is set, and to OTLP or the console when Telemetry:Exporter asks.
    /// </summary>
    public static WebApplicationBuilder AddFileApiTelemetry(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<TelemetryOptions>().BindConfiguration(TelemetryOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        var settings = builder.Configuration.GetSection(TelemetryOptions.SectionName).Get<TelemetryOptions>() ?? new();

        // The Azure SDK's activity sources are experimental and stay silent unless this is on.
        AppContext.SetSwitch("Azure.Experimental.EnableActivitySource", true);

        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(FileApiTelemetry.Name))
            .WithTracing(tracing => tracing
                .AddSource(FileApiTelemetry.Name, "Azure.*")
                // App Service probes the health check every minute; those spans would only be noise.
                .AddAspNetCoreInstrumentation(options => options.Filter = http => !http.Request.Path.StartsWithSegments("/healthz"))
                .AddHttpClientInstrumentation()
                .AddNpgsql())
            .WithMetrics(metrics => metrics
                .AddMeter(FileApiTelemetry.Name)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddNpgsqlInstrumentation())
            .WithLogging();

        if (!string.IsNullOrWhiteSpace(builder.Configuration[ApplicationInsightsSetting]) || !string.IsNullOrWhiteSpace(builder.Configuration[AzureMonitorSetting]))
            telemetry.UseAzureMonitor();

        switch (settings.Exporter)
        {
            case TelemetryExporter.Otlp:
                telemetry.UseOtlpExporter();
                break;
            case TelemetryExporter.Console:
                telemetry.WithTracing(tracing => tracing.AddConsoleExporter()).WithMetrics(metrics => metrics.AddConsoleExporter());
                break;
        }
        return builder;
    }
}
