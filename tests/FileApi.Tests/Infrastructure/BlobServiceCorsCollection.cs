namespace FileApi.Tests.Infrastructure;

/// <summary>
/// CORS rules belong to the blob service, which every test class shares in the one Azurite. The classes that set
/// them run one after another in this collection, so none changes the rules while another relies on them.
/// </summary>
[CollectionDefinition(Name)]
public sealed class BlobServiceCorsCollection
{
    public const string Name = "Blob service CORS rules";
}
