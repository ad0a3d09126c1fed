using System.Security.Claims;
using FileApi.Auth;

namespace FileApi.Tests.Auth;

public sealed class CallerIdentityTests
{
    static ClaimsPrincipal PrincipalWith(params (string Type, string Value)[] claims) =>
        new(new ClaimsIdentity(claims.Select(claim => new Claim(claim.Type, claim.Value)), "Bearer", "name", "roles"));

    [Fact]
    public void UserIsReadFromEntraClaims()
    {
        var principal = PrincipalWith(("oid", "object-id"), ("sub", "pairwise-subject"), ("tid", "tenant"), ("name", "Alice Example"),
            ("email", "alice@contoso.test"), ("preferred_username", "alice@login.test"), ("scp", "Files.ReadWrite"), ("roles", "Files.Admin"));

        var caller = principal.GetCaller();

        Assert.Equal("object-id", caller.Id);
        Assert.Equal("tenant", caller.TenantId);
        Assert.Equal("Alice Example", caller.Name);
        Assert.Equal("alice@contoso.test", caller.Email);
        Assert.False(caller.IsApplication);
        Assert.Equal(["Files.Admin"], caller.Roles);
    }

    [Fact]
    public void SubjectAndPreferredUserNameStandInForMissingClaims()
    {
        var caller = PrincipalWith(("sub", "subject"), ("preferred_username", "bob@contoso.test")).GetCaller();

        Assert.Equal("subject", caller.Id);
        Assert.Null(caller.TenantId);
        Assert.Equal("bob@contoso.test", caller.Name);
        Assert.Equal("bob@contoso.test", caller.Email);
    }

    [Fact]
    public void PreferredUserNameWithoutAtSignIsNoEmailAndIdIsTheLastNameFallback()
    {
        Assert.Null(PrincipalWith(("oid", "id"), ("preferred_username", "bob")).GetCaller().Email);
        Assert.Equal("id", PrincipalWith(("oid", "id")).GetCaller().Name);
    }

    [Fact]
    public void AppOnlyTokenWithRolesAndNoScopesIsAnApplication()
    {
        var caller = PrincipalWith(("oid", "service-principal"), ("roles", "Files.Read.All"), ("roles", "Files.Write.All")).GetCaller();

        Assert.True(caller.IsApplication);
        Assert.Equal(["Files.Read.All", "Files.Write.All"], caller.Roles);
    }

    [Fact]
    public void IdentityTypeAppMarksAnApplicationEvenWithoutRoles()
    {
        Assert.True(PrincipalWith(("oid", "service-principal"), ("idtyp", "app")).GetCaller().IsApplication);
        Assert.False(PrincipalWith(("oid", "user"), ("idtyp", "user")).GetCaller().IsApplication);
    }

    [Fact]
    public void PrincipalWithoutAnyIdIsAProgrammingError()
    {
        Assert.Throws<InvalidOperationException>(() => new ClaimsPrincipal(new ClaimsIdentity()).GetCaller());
    }
}
