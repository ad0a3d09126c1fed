using System.Reflection;
using FileApi.Tests.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace FileApi.Tests.Http;

public sealed class HandlerShapeTests(FileApiFactory factory) : IClassFixture<FileApiFactory>
{
    [Fact]
    public void NoHandlerTakesMoreThanFiveParametersBecauseDependenciesComeBundled()
    {
        var handlers = factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Select(endpoint => (Route: endpoint.DisplayName, Method: endpoint.Metadata.GetMetadata<MethodInfo>()))
            .Where(handler => handler.Method is not null && handler.Method.DeclaringType?.Assembly == typeof(Program).Assembly)
            .ToList();

        Assert.True(handlers.Count >= 15, $"only {handlers.Count} handlers of ours were found");
        var wide = handlers.Where(handler => handler.Method!.GetParameters().Length > 5)
            .Select(handler => $"{handler.Route}: {handler.Method!.Name}({handler.Method.GetParameters().Length})").ToList();
        Assert.Empty(wide);
    }
}
