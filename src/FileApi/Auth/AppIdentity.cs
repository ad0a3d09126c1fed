using Azure.Core;
using Azure.Identity;

namespace FileApi.Auth;

/// <summary>
/// The app's own Entra identity for its outgoing calls (blob storage, PostgreSQL), so that no key or password
/// has to exist. In Azure that is the app's user-assigned managed identity, named by its client id because an
/// App Service may carry several; elsewhere <see cref="DefaultAzureCredential"/> finds a developer's az or azd login.
/// </summary>
public static class AppIdentity
{
    public static TokenCredential Credential(string? managedIdentityClientId) =>
        string.IsNullOrEmpty(managedIdentityClientId)
            ? new DefaultAzureCredential()
            : new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(managedIdentityClientId));
}
