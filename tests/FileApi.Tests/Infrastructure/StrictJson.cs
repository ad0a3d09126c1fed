using System.Text.Json;

namespace FileApi.Tests.Infrastructure;

/// <summary>Parses answers the way a strict client does: a member that appears twice is an error, not "last one wins".</summary>
public static class StrictJson
{
    static readonly JsonDocumentOptions Strict = new() { AllowDuplicateProperties = false };

    public static async Task<JsonElement> ReadAsync(HttpResponseMessage response)
    {
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(), Strict);
        return document.RootElement.Clone();
    }

    /// <summary>A problem+json answer of the given status and type.</summary>
    public static async Task<JsonElement> ReadProblemAsync(HttpResponseMessage response, System.Net.HttpStatusCode status, string type)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await ReadAsync(response);
        Assert.Equal(type, problem.GetProperty("type").GetString());
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        return problem;
    }
}
