import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { isRegistrarAuth, type AuthKind, type HttpMethod } from '../shared/routes/route.js';
import type { StageConfig } from './stageConfig.js';

export interface ApiRoute {
  operationId: string;
  method: HttpMethod;
  path: string;
  auth: AuthKind;
  fn: lambda.IFunction;
  /** A route-level throttle instead of the stage-wide one (registrar routes: infra/stageSizing.ts). */
  throttle?: { rateLimit: number; burstLimit: number };
}

/** One JSON line per request; no query string, headers or bodies (they carry credentials). */
export const accessLogFields = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  routeKey: '$context.routeKey',
  method: '$context.httpMethod',
  path: '$context.path',
  status: '$context.status',
  protocol: '$context.protocol',
  responseLength: '$context.responseLength',
  latency: '$context.responseLatency',
  integrationLatency: '$context.integrationLatency',
  integrationStatus: '$context.integrationStatus',
  integrationError: '$context.integrationErrorMessage',
  error: '$context.error.message',
  sourceIp: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
};

const corsMethods: Record<HttpMethod, apigw.CorsHttpMethod> = {
  GET: apigw.CorsHttpMethod.GET,
  POST: apigw.CorsHttpMethod.POST,
  PUT: apigw.CorsHttpMethod.PUT,
  DELETE: apigw.CorsHttpMethod.DELETE,
};

/**
 * The HTTP API: exactly one route per route-table entry, plus `$default` answering 404/405
 * from the fallback function. Throttling, CORS and the custom domain come from the stage.
 */
export class RegistryApi extends Construct {
  readonly httpApi: apigw.HttpApi;
  readonly stage: apigw.HttpStage;
  readonly accessLogs: logs.LogGroup;
  /** Base URL without a trailing slash (the custom domain when the stage has one). */
  readonly url: string;
  readonly customDomain?: apigw.DomainName;

  constructor(scope: Construct, id: string, props: { stage: StageConfig; routes: ApiRoute[]; fallback: lambda.IFunction }) {
    super(scope, id);
    const { stage, routes } = props;
    const methods = [...new Set(routes.map((r) => r.method))].map((m) => corsMethods[m]);

    this.httpApi = new apigw.HttpApi(this, 'HttpApi', {
      apiName: stage.stackName,
      description: `SIP registry API (${stage.stage})`,
      createDefaultStage: false,
      defaultIntegration: new HttpLambdaIntegration('FallbackIntegration', props.fallback),
      corsPreflight:
        stage.corsAllowedOrigins.length > 0
          ? {
              allowOrigins: stage.corsAllowedOrigins,
              allowMethods: methods,
              allowHeaders: ['content-type', 'authorization'],
              maxAge: Duration.hours(1),
            }
          : undefined,
    });

    const throttledRoutes: { route: apigw.HttpRoute; throttle: NonNullable<ApiRoute['throttle']> }[] = [];
    for (const route of routes) {
      const apiRoute = new apigw.HttpRoute(this, `${route.operationId}Route`, {
        httpApi: this.httpApi,
        routeKey: apigw.HttpRouteKey.with(route.path, apigw.HttpMethod[route.method]),
        integration: new HttpLambdaIntegration(`${route.operationId}Integration`, route.fn, {
          payloadFormatVersion: apigw.PayloadFormatVersion.VERSION_2_0,
        }),
      });
      if (isRegistrarAuth(route.auth) && !route.throttle) throw new Error(`Registrar route ${route.operationId} has no throttle of its own`);
      if (route.throttle) throttledRoutes.push({ route: apiRoute, throttle: route.throttle });
    }

    if (stage.customDomain) {
      this.customDomain = new apigw.DomainName(this, 'Domain', {
        domainName: stage.customDomain.domainName,
        certificate: acm.Certificate.fromCertificateArn(this, 'Certificate', stage.customDomain.certificateArn),
      });
    }

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: stage.logRetentionDays as logs.RetentionDays,
      removalPolicy: stage.removalPolicy === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    this.stage = this.httpApi.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: stage.throttle,
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(accessLogFields)),
      },
      domainMapping: this.customDomain ? { domainName: this.customDomain } : undefined,
    });
    this.addRouteThrottles(throttledRoutes);

    this.url = this.customDomain ? `https://${stage.customDomain?.domainName}` : this.httpApi.apiEndpoint;

    Validations.of(this).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'Authorization happens in each function: customer routes check the caller\'s access key (hashed in the table), registrar routes an HMAC signature with the registrar secret, health is public by design.',
    });
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-COG4',
      reason: 'No Cognito user pool: API clients authenticate with per-customer access keys, not end-user logins.',
    });
  }

  /**
   * Route-level throttling for the registrar routes: their own token bucket instead of the
   * stage-wide default the customers share, so a flooding customer cannot make Kamailio's
   * credential lookups and webhooks fail, and sized from the stage's expected devices so a
   * reconnect storm cannot overrun the functions and the table behind them. HttpStage has no
   * option for route settings, hence the L1 property (keyed by route key). The stage must come
   * after those routes: API Gateway refuses route settings for a route key that does not exist yet.
   */
  private addRouteThrottles(throttled: { route: apigw.HttpRoute; throttle: NonNullable<ApiRoute['throttle']> }[]): void {
    if (throttled.length === 0) return;
    const cfnStage = this.stage.node.defaultChild as apigw.CfnStage;
    cfnStage.routeSettings = Object.fromEntries(
      throttled.map(({ route, throttle }) => [
        (route.node.defaultChild as apigw.CfnRoute).routeKey,
        // A JSON property: CloudFormation names, passed through as written.
        { ThrottlingRateLimit: throttle.rateLimit, ThrottlingBurstLimit: throttle.burstLimit },
      ]),
    );
    for (const { route } of throttled) cfnStage.node.addDependency(route);
  }
}
