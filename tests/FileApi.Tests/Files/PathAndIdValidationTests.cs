using System.Net;
using FileApi.Files;
using FileApi.Tests.Infrastructure;

namespace FileApi.Tests.Files;

public sealed class FilePathTests
{
    [Theory]
    [InlineData("a.txt", "/", "a.txt")]
    [InlineData("/a/b/c.txt", "/a/b/", "c.txt")]
    [InlineData("///a/b.txt", "/a/", "b.txt")]
    [InlineData("a%2Fb.txt", "/a/", "b.txt")]
    [InlineData("dossier/cafe\u0301.txt", "/dossier/", "caf\u00e9.txt")]
    [InlineData("spaces are fine/and #hash%.txt", "/spaces are fine/", "and #hash%.txt")]
    public void ValidPathsAreBroughtToOneNormalForm(string raw, string folder, string name)
    {
        Assert.True(FilePath.TryParse(raw, out var path, out _));
        Assert.Equal(folder, path.Folder);
        Assert.Equal(name, path.Name);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("/", "root")]
    [InlineData("a/", "folder")]
    [InlineData("a//b.txt", "empty segment")]
    [InlineData("a/./b.txt", "'.'")]
    [InlineData("../b.txt", "'..'")]
    [InlineData("a/b\u0007.txt", "control character")]
    [InlineData("a\\b.txt", "'\\'")]
    public void InvalidPathsAreRefusedWithAReason(string raw, string reason)
    {
        Assert.False(FilePath.TryParse(raw, out _, out var error));
        Assert.Contains(reason, error);
    }

    [Theory]
    [InlineData("a.txt.", "dot or a space")]
    [InlineData("a.txt ", "dot or a space")]
    [InlineData("folder./a.txt", "dot or a space")]
    [InlineData("CON", "device name")]
    [InlineData("docs/con.txt", "device name")]
    [InlineData("LPT1.log", "device name")]
    [InlineData("COM\u00B9.txt", "device name")]
    [InlineData("a:b.txt", "':'")]
    [InlineData("a<b.txt", "'<'")]
    [InlineData("a|b.txt", "'|'")]
    [InlineData("a?.txt", "'?'")]
    [InlineData("a*.txt", "'*'")]
    [InlineData("a\"b.txt", "'\"'")]
    [InlineData("evil\u202Etxt.exe", "U+202E")]
    [InlineData("zero\u200Bwidth.txt", "U+200B")]
    [InlineData("\uFEFFbom.txt", "U+FEFF")]
    [InlineData("isolate\u2066.txt", "U+2066")]
    [InlineData("private\uE000.txt", "U+E000")]
    [InlineData("line\u2028sep.txt", "U+2028")]
    public void NamesThatWindowsCannotHoldOrThatHideWhatTheyAreAreRefused(string raw, string reason)
    {
        Assert.False(FilePath.TryParse(raw, out _, out var error));
        Assert.Contains(reason, error);
    }

    [Theory]
    [InlineData("console.txt")]
    [InlineData("CONFIG")]
    [InlineData("nul-results.csv")]
    [InlineData(".gitignore")]
    [InlineData("caf\u00e9 \U0001F600.txt")]
    [InlineData("\u05E9\u05DC\u05D5\u05DD.txt")]
    public void OrdinaryNamesThatMerelyResembleRefusedOnesAreAccepted(string raw) =>
        Assert.True(FilePath.TryParse(raw, out _, out _));

    [Theory]
    [InlineData("\u03C3.txt", "\u03C2.txt")]
    [InlineData("\u03A3.txt", "\u03C2.txt")]
    [InlineData("stra\u00DFe.txt", "STRASSE.txt")]
    [InlineData("\u1E9E.txt", "ss.txt")]
    [InlineData("\u212A.txt", "k.txt")]
    [InlineData("\u00C9t\u00E9.txt", "E\u0301TE\u0301.TXT")]
    public void NamesThatCollideOnACaseInsensitiveDiskShareOneKey(string first, string second)
    {
        Assert.True(FilePath.TryParse(first, out var a, out _));
        Assert.True(FilePath.TryParse(second, out var b, out _));
        Assert.Equal(a.Key, b.Key);
    }

    [Fact]
    public void NamesThatDifferOnEveryDiskKeepDifferentKeys()
    {
        Assert.True(FilePath.TryParse("a.txt", out var a, out _));
        Assert.True(FilePath.TryParse("\u00E4.txt", out var b, out _));
        Assert.NotEqual(a.Key, b.Key);
    }

    [Fact]
    public void ALoneSurrogateIsRefusedRatherThanReplaced()
    {
        var raw = "bad" + (char)0xD800 + ".txt";

        Assert.False(FilePath.TryParse(raw, out _, out var error));
        Assert.Contains("Unicode", error);
    }

    [Fact]
    public void OverlongPathsAndSegmentsAreRefused()
    {
        Assert.False(FilePath.TryParse(new string('a', 256), out _, out var segmentError));
        Assert.Contains("255", segmentError);
        Assert.False(FilePath.TryParse(string.Join('/', Enumerable.Repeat("abcdefghij", 100)), out _, out var pathError));
        Assert.Contains("1024", pathError);
    }

    [Fact]
    public void CaseFoldingGivesOneKeyForDifferentSpellings()
    {
        FilePath.TryParse("Docs/Report.PDF", out var a, out _);
        FilePath.TryParse("docs/report.pdf", out var b, out _);
        Assert.Equal(a!.Key, b!.Key);
        Assert.NotEqual(a.Name, b.Name);
    }
}

public sealed class PathAndIdValidationTests(FileApiFactory factory) : IClassFixture<FileApiFactory>
{
    readonly HttpClient _api = factory.CreateClientFor(FileApiFactory.Owner);

    [Theory]
    [InlineData("PUT", "path/folder/")]
    [InlineData("PUT", "path/a%07b.txt")]
    [InlineData("GET", "path/a//b.txt")]
    [InlineData("GET", "not-a-uuid")]
    [InlineData("PUT", "not-a-uuid")]
    [InlineData("GET", "path/x.txt?version_id=abc")]
    [InlineData("GET", "path/x.txt?version_id=-5")]
    [InlineData("GET", "path/x.txt?include_versions=maybe")]
    public async Task BadPathsIdsAndQueryValuesAre400ProblemJsonAndChangeNothing(string method, string relative)
    {
        using var response = await _api.SendAsync(new HttpRequestMessage(new HttpMethod(method), $"{factory.FilesBase}/{relative}"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("urn:fileapi:problem:invalid-", body);
        Assert.Contains("\"detail\"", body);
    }

    [Fact]
    public async Task AnUnknownFileIdIs404ProblemJson()
    {
        using var response = await _api.GetAsync($"{factory.FilesBase}/{Guid.NewGuid()}");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("urn:fileapi:problem:file-not-found", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AWorkspaceOfAnotherOrganisationIs404()
    {
        using var response = await _api.PutAsync($"/file/v2/orgs/{Guid.NewGuid()}/workspaces/{factory.WorkspaceId}/files/path/x.txt", null);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("urn:fileapi:problem:workspace-not-found", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AMalformedOrganisationIdIs400()
    {
        using var response = await _api.GetAsync($"/file/v2/orgs/nope/workspaces/{factory.WorkspaceId}/files/path/x.txt");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("urn:fileapi:problem:invalid-id", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AnUnknownRouteIs404ProblemJson()
    {
        using var response = await _api.GetAsync("/nothing/here");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
