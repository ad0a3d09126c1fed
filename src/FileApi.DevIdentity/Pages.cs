using System.Net;

namespace FileApi.DevIdentity;

/// <summary>The provider's few HTML pages: a real form, no script, every value HTML-encoded.</summary>
static class Pages
{
    static string Layout(string title, string body) => $$"""
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>{{WebUtility.HtmlEncode(title)}}</title>
        <style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}label,input,button{display:block;margin:.4rem 0}
        .error{color:#b00020}.note{color:#555;font-size:.9rem}</style></head>
        <body><h1>{{WebUtility.HtmlEncode(title)}}</h1>{{body}}<p class="note">FileApi development identity provider: local users only, no passwords. Never use it outside a developer machine.</p></body></html>
        """;

    static string Error(string? error) => error is null ? "" : $"""<p class="error" role="alert">{WebUtility.HtmlEncode(error)}</p>""";

    public static string Home(DevIdentityOptions settings) => Layout("FileApi local sign-in", $"""
        <p>Authority <code>{WebUtility.HtmlEncode(settings.Authority.ToString())}</code>, tenant <code>{WebUtility.HtmlEncode(settings.TenantId)}</code>.</p>
        <p><a href="/device">Enter a device code</a></p>
        """);

    public static string Login(string returnUrl, string? error) => Layout("Sign in", $"""
        {Error(error)}
        <form method="post" action="/login">
          <input type="hidden" name="returnUrl" value="{WebUtility.HtmlEncode(returnUrl)}">
          <label for="username">User name</label>
          <input id="username" name="username" autocomplete="username" required pattern="[A-Za-z0-9._\-]{"{1,64}"}" autofocus>
          <button type="submit" id="sign-in">Sign in</button>
        </form>
        """);

    public static string Device(string userCode, string? userName, string? error) => Layout("Sign in on another device", $"""
        {Error(error)}
        <form method="post" action="/device">
          <label for="user_code">Code shown by the program</label>
          <input id="user_code" name="user_code" value="{WebUtility.HtmlEncode(userCode)}" required>
          <label for="username">User name</label>
          <input id="username" name="username" value="{WebUtility.HtmlEncode(userName ?? "")}" required>
          <button type="submit" id="confirm">Sign in</button>
        </form>
        """);

    public static string DeviceDone() => Layout("Signed in", "<p id=\"device-done\">You are signed in. Return to the program; you may close this page.</p>");
}
