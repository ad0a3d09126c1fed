using System.Net;
using FileApi.Files;
using FileApi.Tests.Infrastructure;

namespace FileApi.Tests.Events;

/// <summary>The API with a database address where nothing listens.</summary>
public sealed class UnreachableDatabaseFactory : FileApiFactory
{
    protected override bool UsesDatabase => false;

    protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings =>
    [
        new("ConnectionStrings:FileApi", "Host=127.0.0.1;Port=9;Username=postgres;Database=fileapi;Timeout=2"),
        new("Database:MigrateOnStartup", "false"),
    ];
}

public sealed class DatabaseOutageTests(UnreachableDatabaseFactory factory) : IClassFixture<UnreachableDatabaseFactory>
{
    [Fact]
    public async Task ARequestWhileTheDatabaseIsDownIs503ProblemJsonWithRetryAfterAndWithoutInternals()
    {
        using var response = await factory.CreateClientFor(FileApiFactory.Owner).PutAsync($"{factory.FilesBase}/path/down.txt", null);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(TimeSpan.FromSeconds(5), response.Headers.RetryAfter?.Delta);
        var body = await response.Content.ReadAsStringAsync();
        using var problem = System.Text.Json.JsonDocument.Parse(body, new System.Text.Json.JsonDocumentOptions { AllowDuplicateProperties = false });
        Assert.Equal("urn:fileapi:problem:database-unavailable", problem.RootElement.GetProperty("type").GetString());
        Assert.DoesNotContain("Npgsql", body);
        Assert.DoesNotContain("   at ", body);
    }

    [Fact]
    public async Task AnEventWhileTheDatabaseIsDownIs5xxSoEventGridRetries()
    {
        var blob = BlobNames.For(factory.OrganizationId, factory.WorkspaceId, Guid.NewGuid(), 1);

        using var response = await factory.DeliverEventsAsync(TestData.BlobCreated(factory.Container, blob));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
    }

    [Fact]
    public async Task TheHealthCheckReportsTheDatabaseDown()
    {
        using var response = await factory.CreateClient().GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
    }
}
