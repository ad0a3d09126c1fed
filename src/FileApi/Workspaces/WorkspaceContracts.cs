namespace FileApi.Workspaces;

public sealed record CreateOrganizationRequest(string? Name);

public sealed record OrganizationResponse(Guid Id, string Name, DateTimeOffset CreatedAt);

public sealed record CreateWorkspaceRequest(string? Name);

public sealed record WorkspaceResponse(
    Guid Id, Guid OrganizationId, string Name, DateTimeOffset CreatedAt, string Role,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] UsageResponse? Usage = null,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull),
        System.ComponentModel.Description("The most bytes usage.bytes may reach, set by organisation admins; absent when there is no limit.")]
    long? QuotaBytes = null);

/// <summary>What a workspace holds: its live files with a ready version, and the bytes of their ready versions. Exact.</summary>
public sealed record UsageResponse(long Files, long Bytes);

public sealed record WorkspaceListResponse(IReadOnlyList<WorkspaceResponse> Workspaces);

/// <summary>Grant or change a role. TenantId defaults to the caller's tenant.</summary>
public sealed record GrantRoleRequest(string? Role, string? TenantId, string? Name, string? Email);

public sealed record MemberResponse(string UserId, string TenantId, string Role, string? Name, string? Email, DateTimeOffset GrantedAt, string GrantedBy);

public sealed record MemberListResponse(IReadOnlyList<MemberResponse> Members);
