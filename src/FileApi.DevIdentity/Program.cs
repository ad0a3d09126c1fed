namespace FileApi.DevIdentity;

// Not top-level statements: the test project references this and the API, and both would declare a global Program.
static class Program
{
    static async Task Main(string[] args)
    {
        var app = DevIdentityApp.Create(args);
        await app.RegisterClientsAsync();
        await app.RunAsync();
    }
}
