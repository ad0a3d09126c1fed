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
    public async Task ARequestWhileTheDatabaseIsDownIs500ProblemJsonWithoutInternals()
    {
        using var response = await factory.CreateClientFor(FileApiFactory.Owner).PutAsync($"{factory.FilesBase}/path/down.txt", null);

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("urn:fileapi:problem:internal", body);
        Assert.Contains("trace_id", body);
        Assert.DoesNotContain("Npgsql", body);
        Assert.DoesNotContain("   at ", body);
    }

    [Fact]
    public async Task AnEventWhileTheDatabaseIsDownIs5xxSoEventGridRetries()
    {
        var blob = BlobNames.For(factory.OrganizationId, factory.WorkspaceId, Guid.NewGuid(), 1);

        using var response = await factory.DeliverEventsAsync(TestData.BlobCreated(factory.Container, blob));

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
    }

    [Fact]
    public async Task TheHealthCheckReportsTheDatabaseDown()
    {
        using var response = await factory.CreateClient().GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
    }
}
