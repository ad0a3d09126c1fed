using System.Net;
using System.Net.Http.Json;
using FileApi.Data;
using FileApi.Files;
using FileApi.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace FileApi.Tests.Data;

/// <summary>
/// On PostgreSQL the poll's one read goes through a multiplexed data source of its own, while the app's context (migrations,
/// advisory locks, LISTEN, transactions) keeps physical connections, which multiplexing cannot give.
/// </summary>
public sealed class MultiplexedPollReadTests(FileApiFactory factory) : IClassFixture<FileApiFactory>
{
    [Fact]
    public async Task APollIsAnsweredFromTheMultiplexedDataSourceWhileTheAppsContextKeepsPhysicalConnections()
    {
        using var api = factory.CreateClientFor(FileApiFactory.Owner);
        var upload = await factory.UploadReadyAsync(api, "path/multiplexed/polled.bin", TestData.RandomBytes(7));

        using var polled = await api.GetAsync($"{factory.FilesBase}/{upload.FileId}?version_id={upload.VersionId}");
        Assert.Equal(HttpStatusCode.OK, polled.StatusCode);
        var answer = await polled.Content.ReadFromJsonAsync<FileResponse>(FileApiFactory.Json);
        Assert.Equal(upload.VersionId, answer!.VersionId);
        Assert.Equal(7L, answer.Size);

        using var scope = factory.Services.CreateScope();
        var reads = scope.ServiceProvider.GetRequiredService<PollReadContext>().Db;
        Assert.IsType<MultiplexedReadDb>(reads);
        Assert.True(new NpgsqlConnectionStringBuilder(reads.Database.GetConnectionString()).Multiplexing);
        var app = scope.ServiceProvider.GetRequiredService<FileApiDb>();
        Assert.False(new NpgsqlConnectionStringBuilder(app.Database.GetConnectionString()).Multiplexing);
    }
}
