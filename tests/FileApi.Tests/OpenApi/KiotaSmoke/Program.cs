// The smoke test that KiotaClientTests builds with the client Kiota generates from the served document and runs against
// the API on Kestrel (not compiled into the test project). It uses only the generated client for the API's calls, and
// plain HTTP for blob storage, which is not part of the API's contract. Any mismatch exits non-zero with the reason;
// the last line it prints is the file's id and version id, for the test to check what was stored.
using System;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using Generated.FileApi;
using Generated.FileApi.Models;
using Microsoft.Kiota.Abstractions.Authentication;
using Microsoft.Kiota.Http.HttpClientLibrary;

var baseUrl = Required("FILEAPI_URL");
var path = Required("FILEAPI_FILE_PATH");
var content = Encoding.UTF8.GetBytes(Required("FILEAPI_FILE_CONTENT"));
// The API answers a file's name and its folder ("/reports/2026/") apart.
var (name, folder) = (Path.GetFileName(path), $"/{Path.GetDirectoryName(path)}/");

using var http = new HttpClient();
http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Required("FILEAPI_TOKEN"));
var client = new FileApiClient(new HttpClientRequestAdapter(new AnonymousAuthenticationProvider(), httpClient: http) { BaseUrl = baseUrl });
var files = client.File.V2.Orgs[Required("FILEAPI_ORG_ID")].Workspaces[Required("FILEAPI_WORKSPACE_ID")].Files;

// Register by path, declaring the size, and upload through the SAS link.
var upload = await files.Path[path].PutAsync(new RegisterRequest { Size = content.Length })
    ?? throw new SmokeFailure("registering answered no body");
var fileId = upload.FileId?.ToString() ?? throw new SmokeFailure("registering answered no file_id");
var versionId = upload.VersionId ?? throw new SmokeFailure("registering answered no version_id");
using (var blob = new HttpClient())
using (var put = new HttpRequestMessage(HttpMethod.Put, upload.Upload) { Content = new ByteArrayContent(content) })
{
    put.Headers.Add("x-ms-blob-type", "BlockBlob");
    put.Headers.Add("x-ms-version", "2026-06-06");
    using var stored = await blob.SendAsync(put);
    Expect(stored.IsSuccessStatusCode, $"blob storage answered the upload with {(int)stored.StatusCode}: {await stored.Content.ReadAsStringAsync()}");
}

// Complete, then long-poll until ready: completion may answer 202 while the service verifies in the background.
var file = files[fileId];
try
{
    await file.Versions[versionId].Complete.PostAsync();
}
catch (ProblemDetails problem) when (problem.Type == "urn:fileapi:problem:version-not-ready")
{
}
FileResponse? ready = null;
for (var attempt = 0; ready is null; attempt++)
{
    Expect(attempt < 10, "the version did not become ready after 10 long polls");
    try
    {
        ready = await file.GetAsync(request => { request.QueryParameters.VersionId = versionId; request.QueryParameters.Wait = "20"; });
    }
    catch (ProblemDetails problem) when (problem.Type == "urn:fileapi:problem:version-not-ready")
    {
    }
}
Expect(ready.VersionId == versionId, $"the ready version is {ready.VersionId}, not {versionId}");
Expect(ready.Size == content.Length, $"the ready version has size {ready.Size}, not {content.Length}");
Expect(ready.Name == name && ready.Path == folder, $"the ready file is {ready.Name} in {ready.Path}, not {path}");

// List: the file is there, with this version.
var page = await files.GetAsync(request => request.QueryParameters.FileName = name)
    ?? throw new SmokeFailure("listing answered no body");
var listed = page.Files?.SingleOrDefault(item => item.FileId?.ToString() == fileId)
    ?? throw new SmokeFailure($"the list of {page.Count} files does not have {fileId}");
Expect(listed.VersionId == versionId && listed.Name == name && listed.Path == folder, $"the list has version {listed.VersionId} of {listed.Name} in {listed.Path}");

// A download link for the version, whose bytes are the ones uploaded.
var latest = await files.Path[path].GetAsync() ?? throw new SmokeFailure("getting by path answered no body");
Expect(latest.FileId?.ToString() == fileId, $"getting by path answered file {latest.FileId}");
using (var blob = new HttpClient())
{
    var downloaded = await blob.GetByteArrayAsync(latest.Download ?? throw new SmokeFailure("no download link"));
    Expect(downloaded.AsSpan().SequenceEqual(content), $"downloaded {downloaded.Length} bytes that are not the {content.Length} uploaded");
}

Console.WriteLine($"{fileId} {versionId}");
return 0;

static string Required(string name) =>
    Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : throw new SmokeFailure($"{name} is not set");

static void Expect(bool condition, string failure)
{
    if (!condition)
        throw new SmokeFailure(failure);
}

sealed class SmokeFailure(string message) : Exception(message);
