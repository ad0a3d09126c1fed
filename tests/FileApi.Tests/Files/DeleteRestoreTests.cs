using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FileApi.Data;
using FileApi.Files;
using FileApi.Tests.Infrastructure;

namespace FileApi.Tests.Files;

public class DeleteRestoreTests(FileApiFactory factory) : IClassFixture<FileApiFactory>
{
    readonly HttpClient _api = factory.CreateClientFor(FileApiFactory.Owner);

    [Fact]
    public async Task DeletingAnswers204WithAnEmptyBodyAndTheFileIsGoneFromReads()
    {
        var upload = await factory.UploadReadyAsync(_api, "path/del/a.txt", [1]);

        using var delete = await _api.DeleteAsync($"{factory.FilesBase}/{upload.FileId}");
        using var byId = await _api.GetAsync($"{factory.FilesBase}/{upload.FileId}?deleted=False");
        using var byPath = await _api.GetAsync($"{factory.FilesBase}/path/del/a.txt");
        var listed = await _api.GetFromJsonAsync<FileListResponse>($"{factory.FilesBase}?limit=100&offset=0&deleted=false", FileApiFactory.Json);

        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        Assert.Empty(await delete.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.Gone, byId.StatusCode);
        Assert.Contains("urn:fileapi:problem:file-deleted", await byId.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, byPath.StatusCode);
        Assert.DoesNotContain(listed!.Files, f => f.FileId == upload.FileId);
    }

    [Fact]
    public async Task ADeletedFileIsShownWithDeletedTrueAndOnlyThere()
    {
        var upload = await factory.UploadReadyAsync(_api, "path/del/shown.txt", [1]);
        await _api.DeleteAsync($"{factory.FilesBase}/path/del/shown.txt");

        var file = await _api.GetFromJsonAsync<JsonElement>($"{factory.FilesBase}/{upload.FileId}?deleted=true");
        var byPath = await _api.GetFromJsonAsync<JsonElement>($"{factory.FilesBase}/path/del/shown.txt?deleted=true");
        var deletedList = await _api.GetFromJsonAsync<FileListResponse>($"{factory.FilesBase}?deleted=true", FileApiFactory.Json);

        Assert.True(file.TryGetProperty("deleted_at", out _));
        Assert.Equal(FileApiFactory.UserId(FileApiFactory.Owner), file.GetProperty("deleted_by").GetProperty("id").GetString());
        Assert.Equal(upload.FileId, byPath.GetProperty("file_id").GetGuid());
        Assert.Contains(deletedList!.Files, f => f.FileId == upload.FileId && f.DeletedAt is not null);
        Assert.All(deletedList.Files, f => Assert.NotNull(f.DeletedAt));
    }

    [Fact]
    public async Task RestoringPutsTheFileBackWhereItWas()
    {
        var upload = await factory.UploadReadyAsync(_api, "path/del/back.txt", [4, 2]);
        await _api.DeleteAsync($"{factory.FilesBase}/{upload.FileId}");

        using var restore = await _api.PutAsync($"{factory.FilesBase}/{upload.FileId}?deleted=false", null);
        var file = await _api.GetFromJsonAsync<FileResponse>($"{factory.FilesBase}/path/del/back.txt", FileApiFactory.Json);

        Assert.Equal(HttpStatusCode.NoContent, restore.StatusCode);
        Assert.Equal(upload.FileId, file!.FileId);
        Assert.Null(file.DeletedAt);
        Assert.Equal([4, 2], await (await TestData.GetAsync(file.Download)).Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task RestoringOntoATakenPathRestoresUnderANewNameWith303()
    {
        var old = await factory.UploadReadyAsync(_api, "path/del/taken.txt", [1]);
        await _api.DeleteAsync($"{factory.FilesBase}/{old.FileId}");
        var replacement = await factory.UploadReadyAsync(_api, "path/del/taken.txt", [2]);

        var noRedirects = factory.CreateClientFor(FileApiFactory.Owner, followRedirects: false);
        using var restore = await noRedirects.PutAsync($"{factory.FilesBase}/{old.FileId}?deleted=False", null);
        var moved = await restore.Content.ReadFromJsonAsync<FileResponse>(FileApiFactory.Json);
        var stillThere = await _api.GetFromJsonAsync<FileResponse>($"{factory.FilesBase}/path/del/taken.txt", FileApiFactory.Json);

        Assert.Equal(HttpStatusCode.SeeOther, restore.StatusCode);
        Assert.Equal("taken (restored).txt", moved!.Name);
        Assert.Equal("/del/", moved.Path);
        Assert.EndsWith($"/files/{old.FileId}", restore.Headers.Location!.AbsolutePath);
        Assert.Equal(replacement.FileId, stillThere!.FileId);
        var again = await _api.GetFromJsonAsync<FileResponse>($"{factory.FilesBase}/path/del/taken (restored).txt", FileApiFactory.Json);
        Assert.Equal(old.FileId, again!.FileId);
    }

    [Fact]
    public async Task OnlyOwnersRestoreButEditorsDelete()
    {
        await factory.GrantAsync("del-editor", WorkspaceRole.Editor);
        var editor = factory.CreateClientFor("del-editor");
        var upload = await factory.UploadReadyAsync(editor, "path/del/editor.txt", [1]);

        using var delete = await editor.DeleteAsync($"{factory.FilesBase}/{upload.FileId}");
        using var restore = await editor.PutAsync($"{factory.FilesBase}/{upload.FileId}?deleted=false", null);

        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, restore.StatusCode);
        Assert.Contains("\"your_role\":\"editor\"", await restore.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task DeletingTwiceSucceedsAndDeletingNothingIs404()
    {
        var upload = await factory.UploadReadyAsync(_api, "path/del/twice.txt", [1]);

        using var first = await _api.DeleteAsync($"{factory.FilesBase}/{upload.FileId}");
        using var second = await _api.DeleteAsync($"{factory.FilesBase}/{upload.FileId}");
        using var againByPath = await _api.DeleteAsync($"{factory.FilesBase}/path/del/twice.txt");
        using var missing = await _api.DeleteAsync($"{factory.FilesBase}/{Guid.NewGuid()}");
        using var missingPath = await _api.DeleteAsync($"{factory.FilesBase}/path/del/never-was.txt");

        Assert.Equal(HttpStatusCode.NoContent, first.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, second.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, againByPath.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missingPath.StatusCode);
    }

    [Fact]
    public async Task ANewVersionOfADeletedFileIs410AndAPathUploadMakesANewFile()
    {
        var upload = await factory.UploadReadyAsync(_api, "path/del/reuse.txt", [1]);
        await _api.DeleteAsync($"{factory.FilesBase}/{upload.FileId}");

        using var byId = await _api.PutAsync($"{factory.FilesBase}/{upload.FileId}", null);
        var byPath = await _api.RegisterAsync($"{factory.FilesBase}/path/del/reuse.txt");

        Assert.Equal(HttpStatusCode.Gone, byId.StatusCode);
        Assert.NotEqual(upload.FileId, byPath.FileId);
    }
}
