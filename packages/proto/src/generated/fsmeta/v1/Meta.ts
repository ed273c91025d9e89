// Original file: proto/fsmeta/v1/meta.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { AccessRequest as _fsmeta_v1_AccessRequest, AccessRequest__Output as _fsmeta_v1_AccessRequest__Output } from '../../fsmeta/v1/AccessRequest';
import type { AccessResponse as _fsmeta_v1_AccessResponse, AccessResponse__Output as _fsmeta_v1_AccessResponse__Output } from '../../fsmeta/v1/AccessResponse';
import type { AckSliceDeletionsRequest as _fsmeta_v1_AckSliceDeletionsRequest, AckSliceDeletionsRequest__Output as _fsmeta_v1_AckSliceDeletionsRequest__Output } from '../../fsmeta/v1/AckSliceDeletionsRequest';
import type { AckSliceDeletionsResponse as _fsmeta_v1_AckSliceDeletionsResponse, AckSliceDeletionsResponse__Output as _fsmeta_v1_AckSliceDeletionsResponse__Output } from '../../fsmeta/v1/AckSliceDeletionsResponse';
import type { ClaimCompactionRequest as _fsmeta_v1_ClaimCompactionRequest, ClaimCompactionRequest__Output as _fsmeta_v1_ClaimCompactionRequest__Output } from '../../fsmeta/v1/ClaimCompactionRequest';
import type { ClaimCompactionResponse as _fsmeta_v1_ClaimCompactionResponse, ClaimCompactionResponse__Output as _fsmeta_v1_ClaimCompactionResponse__Output } from '../../fsmeta/v1/ClaimCompactionResponse';
import type { ClaimSliceDeletionsRequest as _fsmeta_v1_ClaimSliceDeletionsRequest, ClaimSliceDeletionsRequest__Output as _fsmeta_v1_ClaimSliceDeletionsRequest__Output } from '../../fsmeta/v1/ClaimSliceDeletionsRequest';
import type { ClaimSliceDeletionsResponse as _fsmeta_v1_ClaimSliceDeletionsResponse, ClaimSliceDeletionsResponse__Output as _fsmeta_v1_ClaimSliceDeletionsResponse__Output } from '../../fsmeta/v1/ClaimSliceDeletionsResponse';
import type { CleanupTrashRequest as _fsmeta_v1_CleanupTrashRequest, CleanupTrashRequest__Output as _fsmeta_v1_CleanupTrashRequest__Output } from '../../fsmeta/v1/CleanupTrashRequest';
import type { CleanupTrashResponse as _fsmeta_v1_CleanupTrashResponse, CleanupTrashResponse__Output as _fsmeta_v1_CleanupTrashResponse__Output } from '../../fsmeta/v1/CleanupTrashResponse';
import type { CloseRequest as _fsmeta_v1_CloseRequest, CloseRequest__Output as _fsmeta_v1_CloseRequest__Output } from '../../fsmeta/v1/CloseRequest';
import type { CloseResponse as _fsmeta_v1_CloseResponse, CloseResponse__Output as _fsmeta_v1_CloseResponse__Output } from '../../fsmeta/v1/CloseResponse';
import type { CloseSessionRequest as _fsmeta_v1_CloseSessionRequest, CloseSessionRequest__Output as _fsmeta_v1_CloseSessionRequest__Output } from '../../fsmeta/v1/CloseSessionRequest';
import type { CloseSessionResponse as _fsmeta_v1_CloseSessionResponse, CloseSessionResponse__Output as _fsmeta_v1_CloseSessionResponse__Output } from '../../fsmeta/v1/CloseSessionResponse';
import type { CommitCompactionRequest as _fsmeta_v1_CommitCompactionRequest, CommitCompactionRequest__Output as _fsmeta_v1_CommitCompactionRequest__Output } from '../../fsmeta/v1/CommitCompactionRequest';
import type { CommitCompactionResponse as _fsmeta_v1_CommitCompactionResponse, CommitCompactionResponse__Output as _fsmeta_v1_CommitCompactionResponse__Output } from '../../fsmeta/v1/CommitCompactionResponse';
import type { CopyFileRangeRequest as _fsmeta_v1_CopyFileRangeRequest, CopyFileRangeRequest__Output as _fsmeta_v1_CopyFileRangeRequest__Output } from '../../fsmeta/v1/CopyFileRangeRequest';
import type { CopyFileRangeResponse as _fsmeta_v1_CopyFileRangeResponse, CopyFileRangeResponse__Output as _fsmeta_v1_CopyFileRangeResponse__Output } from '../../fsmeta/v1/CopyFileRangeResponse';
import type { CreateRequest as _fsmeta_v1_CreateRequest, CreateRequest__Output as _fsmeta_v1_CreateRequest__Output } from '../../fsmeta/v1/CreateRequest';
import type { CreateResponse as _fsmeta_v1_CreateResponse, CreateResponse__Output as _fsmeta_v1_CreateResponse__Output } from '../../fsmeta/v1/CreateResponse';
import type { DeleteQuotaRequest as _fsmeta_v1_DeleteQuotaRequest, DeleteQuotaRequest__Output as _fsmeta_v1_DeleteQuotaRequest__Output } from '../../fsmeta/v1/DeleteQuotaRequest';
import type { DeleteQuotaResponse as _fsmeta_v1_DeleteQuotaResponse, DeleteQuotaResponse__Output as _fsmeta_v1_DeleteQuotaResponse__Output } from '../../fsmeta/v1/DeleteQuotaResponse';
import type { FallocateRequest as _fsmeta_v1_FallocateRequest, FallocateRequest__Output as _fsmeta_v1_FallocateRequest__Output } from '../../fsmeta/v1/FallocateRequest';
import type { FallocateResponse as _fsmeta_v1_FallocateResponse, FallocateResponse__Output as _fsmeta_v1_FallocateResponse__Output } from '../../fsmeta/v1/FallocateResponse';
import type { FlockRequest as _fsmeta_v1_FlockRequest, FlockRequest__Output as _fsmeta_v1_FlockRequest__Output } from '../../fsmeta/v1/FlockRequest';
import type { FlockResponse as _fsmeta_v1_FlockResponse, FlockResponse__Output as _fsmeta_v1_FlockResponse__Output } from '../../fsmeta/v1/FlockResponse';
import type { FormatRequest as _fsmeta_v1_FormatRequest, FormatRequest__Output as _fsmeta_v1_FormatRequest__Output } from '../../fsmeta/v1/FormatRequest';
import type { FormatResponse as _fsmeta_v1_FormatResponse, FormatResponse__Output as _fsmeta_v1_FormatResponse__Output } from '../../fsmeta/v1/FormatResponse';
import type { GetAttrRequest as _fsmeta_v1_GetAttrRequest, GetAttrRequest__Output as _fsmeta_v1_GetAttrRequest__Output } from '../../fsmeta/v1/GetAttrRequest';
import type { GetAttrResponse as _fsmeta_v1_GetAttrResponse, GetAttrResponse__Output as _fsmeta_v1_GetAttrResponse__Output } from '../../fsmeta/v1/GetAttrResponse';
import type { GetDirStatRequest as _fsmeta_v1_GetDirStatRequest, GetDirStatRequest__Output as _fsmeta_v1_GetDirStatRequest__Output } from '../../fsmeta/v1/GetDirStatRequest';
import type { GetDirStatResponse as _fsmeta_v1_GetDirStatResponse, GetDirStatResponse__Output as _fsmeta_v1_GetDirStatResponse__Output } from '../../fsmeta/v1/GetDirStatResponse';
import type { GetFormatRequest as _fsmeta_v1_GetFormatRequest, GetFormatRequest__Output as _fsmeta_v1_GetFormatRequest__Output } from '../../fsmeta/v1/GetFormatRequest';
import type { GetFormatResponse as _fsmeta_v1_GetFormatResponse, GetFormatResponse__Output as _fsmeta_v1_GetFormatResponse__Output } from '../../fsmeta/v1/GetFormatResponse';
import type { GetLkRequest as _fsmeta_v1_GetLkRequest, GetLkRequest__Output as _fsmeta_v1_GetLkRequest__Output } from '../../fsmeta/v1/GetLkRequest';
import type { GetLkResponse as _fsmeta_v1_GetLkResponse, GetLkResponse__Output as _fsmeta_v1_GetLkResponse__Output } from '../../fsmeta/v1/GetLkResponse';
import type { GetQuotaRequest as _fsmeta_v1_GetQuotaRequest, GetQuotaRequest__Output as _fsmeta_v1_GetQuotaRequest__Output } from '../../fsmeta/v1/GetQuotaRequest';
import type { GetQuotaResponse as _fsmeta_v1_GetQuotaResponse, GetQuotaResponse__Output as _fsmeta_v1_GetQuotaResponse__Output } from '../../fsmeta/v1/GetQuotaResponse';
import type { GetSummaryRequest as _fsmeta_v1_GetSummaryRequest, GetSummaryRequest__Output as _fsmeta_v1_GetSummaryRequest__Output } from '../../fsmeta/v1/GetSummaryRequest';
import type { GetSummaryResponse as _fsmeta_v1_GetSummaryResponse, GetSummaryResponse__Output as _fsmeta_v1_GetSummaryResponse__Output } from '../../fsmeta/v1/GetSummaryResponse';
import type { GetXattrRequest as _fsmeta_v1_GetXattrRequest, GetXattrRequest__Output as _fsmeta_v1_GetXattrRequest__Output } from '../../fsmeta/v1/GetXattrRequest';
import type { GetXattrResponse as _fsmeta_v1_GetXattrResponse, GetXattrResponse__Output as _fsmeta_v1_GetXattrResponse__Output } from '../../fsmeta/v1/GetXattrResponse';
import type { HeartbeatRequest as _fsmeta_v1_HeartbeatRequest, HeartbeatRequest__Output as _fsmeta_v1_HeartbeatRequest__Output } from '../../fsmeta/v1/HeartbeatRequest';
import type { HeartbeatResponse as _fsmeta_v1_HeartbeatResponse, HeartbeatResponse__Output as _fsmeta_v1_HeartbeatResponse__Output } from '../../fsmeta/v1/HeartbeatResponse';
import type { LinkRequest as _fsmeta_v1_LinkRequest, LinkRequest__Output as _fsmeta_v1_LinkRequest__Output } from '../../fsmeta/v1/LinkRequest';
import type { LinkResponse as _fsmeta_v1_LinkResponse, LinkResponse__Output as _fsmeta_v1_LinkResponse__Output } from '../../fsmeta/v1/LinkResponse';
import type { ListQuotasRequest as _fsmeta_v1_ListQuotasRequest, ListQuotasRequest__Output as _fsmeta_v1_ListQuotasRequest__Output } from '../../fsmeta/v1/ListQuotasRequest';
import type { ListQuotasResponse as _fsmeta_v1_ListQuotasResponse, ListQuotasResponse__Output as _fsmeta_v1_ListQuotasResponse__Output } from '../../fsmeta/v1/ListQuotasResponse';
import type { ListSessionsRequest as _fsmeta_v1_ListSessionsRequest, ListSessionsRequest__Output as _fsmeta_v1_ListSessionsRequest__Output } from '../../fsmeta/v1/ListSessionsRequest';
import type { ListSessionsResponse as _fsmeta_v1_ListSessionsResponse, ListSessionsResponse__Output as _fsmeta_v1_ListSessionsResponse__Output } from '../../fsmeta/v1/ListSessionsResponse';
import type { ListXattrRequest as _fsmeta_v1_ListXattrRequest, ListXattrRequest__Output as _fsmeta_v1_ListXattrRequest__Output } from '../../fsmeta/v1/ListXattrRequest';
import type { ListXattrResponse as _fsmeta_v1_ListXattrResponse, ListXattrResponse__Output as _fsmeta_v1_ListXattrResponse__Output } from '../../fsmeta/v1/ListXattrResponse';
import type { LookupRequest as _fsmeta_v1_LookupRequest, LookupRequest__Output as _fsmeta_v1_LookupRequest__Output } from '../../fsmeta/v1/LookupRequest';
import type { LookupResponse as _fsmeta_v1_LookupResponse, LookupResponse__Output as _fsmeta_v1_LookupResponse__Output } from '../../fsmeta/v1/LookupResponse';
import type { MkdirRequest as _fsmeta_v1_MkdirRequest, MkdirRequest__Output as _fsmeta_v1_MkdirRequest__Output } from '../../fsmeta/v1/MkdirRequest';
import type { MkdirResponse as _fsmeta_v1_MkdirResponse, MkdirResponse__Output as _fsmeta_v1_MkdirResponse__Output } from '../../fsmeta/v1/MkdirResponse';
import type { MknodRequest as _fsmeta_v1_MknodRequest, MknodRequest__Output as _fsmeta_v1_MknodRequest__Output } from '../../fsmeta/v1/MknodRequest';
import type { MknodResponse as _fsmeta_v1_MknodResponse, MknodResponse__Output as _fsmeta_v1_MknodResponse__Output } from '../../fsmeta/v1/MknodResponse';
import type { NewSessionRequest as _fsmeta_v1_NewSessionRequest, NewSessionRequest__Output as _fsmeta_v1_NewSessionRequest__Output } from '../../fsmeta/v1/NewSessionRequest';
import type { NewSessionResponse as _fsmeta_v1_NewSessionResponse, NewSessionResponse__Output as _fsmeta_v1_NewSessionResponse__Output } from '../../fsmeta/v1/NewSessionResponse';
import type { NewSlicesRequest as _fsmeta_v1_NewSlicesRequest, NewSlicesRequest__Output as _fsmeta_v1_NewSlicesRequest__Output } from '../../fsmeta/v1/NewSlicesRequest';
import type { NewSlicesResponse as _fsmeta_v1_NewSlicesResponse, NewSlicesResponse__Output as _fsmeta_v1_NewSlicesResponse__Output } from '../../fsmeta/v1/NewSlicesResponse';
import type { OpenRequest as _fsmeta_v1_OpenRequest, OpenRequest__Output as _fsmeta_v1_OpenRequest__Output } from '../../fsmeta/v1/OpenRequest';
import type { OpenResponse as _fsmeta_v1_OpenResponse, OpenResponse__Output as _fsmeta_v1_OpenResponse__Output } from '../../fsmeta/v1/OpenResponse';
import type { ReadLinkRequest as _fsmeta_v1_ReadLinkRequest, ReadLinkRequest__Output as _fsmeta_v1_ReadLinkRequest__Output } from '../../fsmeta/v1/ReadLinkRequest';
import type { ReadLinkResponse as _fsmeta_v1_ReadLinkResponse, ReadLinkResponse__Output as _fsmeta_v1_ReadLinkResponse__Output } from '../../fsmeta/v1/ReadLinkResponse';
import type { ReadRequest as _fsmeta_v1_ReadRequest, ReadRequest__Output as _fsmeta_v1_ReadRequest__Output } from '../../fsmeta/v1/ReadRequest';
import type { ReadResponse as _fsmeta_v1_ReadResponse, ReadResponse__Output as _fsmeta_v1_ReadResponse__Output } from '../../fsmeta/v1/ReadResponse';
import type { ReaddirRequest as _fsmeta_v1_ReaddirRequest, ReaddirRequest__Output as _fsmeta_v1_ReaddirRequest__Output } from '../../fsmeta/v1/ReaddirRequest';
import type { ReaddirResponse as _fsmeta_v1_ReaddirResponse, ReaddirResponse__Output as _fsmeta_v1_ReaddirResponse__Output } from '../../fsmeta/v1/ReaddirResponse';
import type { RemoveXattrRequest as _fsmeta_v1_RemoveXattrRequest, RemoveXattrRequest__Output as _fsmeta_v1_RemoveXattrRequest__Output } from '../../fsmeta/v1/RemoveXattrRequest';
import type { RemoveXattrResponse as _fsmeta_v1_RemoveXattrResponse, RemoveXattrResponse__Output as _fsmeta_v1_RemoveXattrResponse__Output } from '../../fsmeta/v1/RemoveXattrResponse';
import type { RenameRequest as _fsmeta_v1_RenameRequest, RenameRequest__Output as _fsmeta_v1_RenameRequest__Output } from '../../fsmeta/v1/RenameRequest';
import type { RenameResponse as _fsmeta_v1_RenameResponse, RenameResponse__Output as _fsmeta_v1_RenameResponse__Output } from '../../fsmeta/v1/RenameResponse';
import type { RestoreTrashRequest as _fsmeta_v1_RestoreTrashRequest, RestoreTrashRequest__Output as _fsmeta_v1_RestoreTrashRequest__Output } from '../../fsmeta/v1/RestoreTrashRequest';
import type { RestoreTrashResponse as _fsmeta_v1_RestoreTrashResponse, RestoreTrashResponse__Output as _fsmeta_v1_RestoreTrashResponse__Output } from '../../fsmeta/v1/RestoreTrashResponse';
import type { RmdirRequest as _fsmeta_v1_RmdirRequest, RmdirRequest__Output as _fsmeta_v1_RmdirRequest__Output } from '../../fsmeta/v1/RmdirRequest';
import type { RmdirResponse as _fsmeta_v1_RmdirResponse, RmdirResponse__Output as _fsmeta_v1_RmdirResponse__Output } from '../../fsmeta/v1/RmdirResponse';
import type { SetAttrRequest as _fsmeta_v1_SetAttrRequest, SetAttrRequest__Output as _fsmeta_v1_SetAttrRequest__Output } from '../../fsmeta/v1/SetAttrRequest';
import type { SetAttrResponse as _fsmeta_v1_SetAttrResponse, SetAttrResponse__Output as _fsmeta_v1_SetAttrResponse__Output } from '../../fsmeta/v1/SetAttrResponse';
import type { SetLkRequest as _fsmeta_v1_SetLkRequest, SetLkRequest__Output as _fsmeta_v1_SetLkRequest__Output } from '../../fsmeta/v1/SetLkRequest';
import type { SetLkResponse as _fsmeta_v1_SetLkResponse, SetLkResponse__Output as _fsmeta_v1_SetLkResponse__Output } from '../../fsmeta/v1/SetLkResponse';
import type { SetQuotaRequest as _fsmeta_v1_SetQuotaRequest, SetQuotaRequest__Output as _fsmeta_v1_SetQuotaRequest__Output } from '../../fsmeta/v1/SetQuotaRequest';
import type { SetQuotaResponse as _fsmeta_v1_SetQuotaResponse, SetQuotaResponse__Output as _fsmeta_v1_SetQuotaResponse__Output } from '../../fsmeta/v1/SetQuotaResponse';
import type { SetXattrRequest as _fsmeta_v1_SetXattrRequest, SetXattrRequest__Output as _fsmeta_v1_SetXattrRequest__Output } from '../../fsmeta/v1/SetXattrRequest';
import type { SetXattrResponse as _fsmeta_v1_SetXattrResponse, SetXattrResponse__Output as _fsmeta_v1_SetXattrResponse__Output } from '../../fsmeta/v1/SetXattrResponse';
import type { StatFSRequest as _fsmeta_v1_StatFSRequest, StatFSRequest__Output as _fsmeta_v1_StatFSRequest__Output } from '../../fsmeta/v1/StatFSRequest';
import type { StatFSResponse as _fsmeta_v1_StatFSResponse, StatFSResponse__Output as _fsmeta_v1_StatFSResponse__Output } from '../../fsmeta/v1/StatFSResponse';
import type { SymlinkRequest as _fsmeta_v1_SymlinkRequest, SymlinkRequest__Output as _fsmeta_v1_SymlinkRequest__Output } from '../../fsmeta/v1/SymlinkRequest';
import type { SymlinkResponse as _fsmeta_v1_SymlinkResponse, SymlinkResponse__Output as _fsmeta_v1_SymlinkResponse__Output } from '../../fsmeta/v1/SymlinkResponse';
import type { TruncateRequest as _fsmeta_v1_TruncateRequest, TruncateRequest__Output as _fsmeta_v1_TruncateRequest__Output } from '../../fsmeta/v1/TruncateRequest';
import type { TruncateResponse as _fsmeta_v1_TruncateResponse, TruncateResponse__Output as _fsmeta_v1_TruncateResponse__Output } from '../../fsmeta/v1/TruncateResponse';
import type { UnlinkRequest as _fsmeta_v1_UnlinkRequest, UnlinkRequest__Output as _fsmeta_v1_UnlinkRequest__Output } from '../../fsmeta/v1/UnlinkRequest';
import type { UnlinkResponse as _fsmeta_v1_UnlinkResponse, UnlinkResponse__Output as _fsmeta_v1_UnlinkResponse__Output } from '../../fsmeta/v1/UnlinkResponse';
import type { WatchRequest as _fsmeta_v1_WatchRequest, WatchRequest__Output as _fsmeta_v1_WatchRequest__Output } from '../../fsmeta/v1/WatchRequest';
import type { WatchResponse as _fsmeta_v1_WatchResponse, WatchResponse__Output as _fsmeta_v1_WatchResponse__Output } from '../../fsmeta/v1/WatchResponse';
import type { WriteRequest as _fsmeta_v1_WriteRequest, WriteRequest__Output as _fsmeta_v1_WriteRequest__Output } from '../../fsmeta/v1/WriteRequest';
import type { WriteResponse as _fsmeta_v1_WriteResponse, WriteResponse__Output as _fsmeta_v1_WriteResponse__Output } from '../../fsmeta/v1/WriteResponse';

export interface MetaClient extends grpc.Client {
  Access(argument: _fsmeta_v1_AccessRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_AccessResponse__Output>): grpc.ClientUnaryCall;
  Access(argument: _fsmeta_v1_AccessRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_AccessResponse__Output>): grpc.ClientUnaryCall;
  Access(argument: _fsmeta_v1_AccessRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_AccessResponse__Output>): grpc.ClientUnaryCall;
  Access(argument: _fsmeta_v1_AccessRequest, callback: grpc.requestCallback<_fsmeta_v1_AccessResponse__Output>): grpc.ClientUnaryCall;
  access(argument: _fsmeta_v1_AccessRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_AccessResponse__Output>): grpc.ClientUnaryCall;
  access(argument: _fsmeta_v1_AccessRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_AccessResponse__Output>): grpc.ClientUnaryCall;
  access(argument: _fsmeta_v1_AccessRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_AccessResponse__Output>): grpc.ClientUnaryCall;
  access(argument: _fsmeta_v1_AccessRequest, callback: grpc.requestCallback<_fsmeta_v1_AccessResponse__Output>): grpc.ClientUnaryCall;
  
  AckSliceDeletions(argument: _fsmeta_v1_AckSliceDeletionsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_AckSliceDeletionsResponse__Output>): grpc.ClientUnaryCall;
  AckSliceDeletions(argument: _fsmeta_v1_AckSliceDeletionsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_AckSliceDeletionsResponse__Output>): grpc.ClientUnaryCall;
  AckSliceDeletions(argument: _fsmeta_v1_AckSliceDeletionsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_AckSliceDeletionsResponse__Output>): grpc.ClientUnaryCall;
  AckSliceDeletions(argument: _fsmeta_v1_AckSliceDeletionsRequest, callback: grpc.requestCallback<_fsmeta_v1_AckSliceDeletionsResponse__Output>): grpc.ClientUnaryCall;
  ackSliceDeletions(argument: _fsmeta_v1_AckSliceDeletionsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_AckSliceDeletionsResponse__Output>): grpc.ClientUnaryCall;
  ackSliceDeletions(argument: _fsmeta_v1_AckSliceDeletionsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_AckSliceDeletionsResponse__Output>): grpc.ClientUnaryCall;
  ackSliceDeletions(argument: _fsmeta_v1_AckSliceDeletionsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_AckSliceDeletionsResponse__Output>): grpc.ClientUnaryCall;
  ackSliceDeletions(argument: _fsmeta_v1_AckSliceDeletionsRequest, callback: grpc.requestCallback<_fsmeta_v1_AckSliceDeletionsResponse__Output>): grpc.ClientUnaryCall;
  
  ClaimCompaction(argument: _fsmeta_v1_ClaimCompactionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_ClaimCompactionResponse__Output>): grpc.ClientUnaryCall;
  ClaimCompaction(argument: _fsmeta_v1_ClaimCompactionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_ClaimCompactionResponse__Output>): grpc.ClientUnaryCall;
  ClaimCompaction(argument: _fsmeta_v1_ClaimCompactionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_ClaimCompactionResponse__Output>): grpc.ClientUnaryCall;
  ClaimCompaction(argument: _fsmeta_v1_ClaimCompactionRequest, callback: grpc.requestCallback<_fsmeta_v1_ClaimCompactionResponse__Output>): grpc.ClientUnaryCall;
  claimCompaction(argument: _fsmeta_v1_ClaimCompactionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_ClaimCompactionResponse__Output>): grpc.ClientUnaryCall;
  claimCompaction(argument: _fsmeta_v1_ClaimCompactionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_ClaimCompactionResponse__Output>): grpc.ClientUnaryCall;
  claimCompaction(argument: _fsmeta_v1_ClaimCompactionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_ClaimCompactionResponse__Output>): grpc.ClientUnaryCall;
  claimCompaction(argument: _fsmeta_v1_ClaimCompactionRequest, callback: grpc.requestCallback<_fsmeta_v1_ClaimCompactionResponse__Output>): grpc.ClientUnaryCall;
  
  ClaimSliceDeletions(argument: _fsmeta_v1_ClaimSliceDeletionsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_ClaimSliceDeletionsResponse__Output>): grpc.ClientUnaryCall;
  ClaimSliceDeletions(argument: _fsmeta_v1_ClaimSliceDeletionsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_ClaimSliceDeletionsResponse__Output>): grpc.ClientUnaryCall;
  ClaimSliceDeletions(argument: _fsmeta_v1_ClaimSliceDeletionsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_ClaimSliceDeletionsResponse__Output>): grpc.ClientUnaryCall;
  ClaimSliceDeletions(argument: _fsmeta_v1_ClaimSliceDeletionsRequest, callback: grpc.requestCallback<_fsmeta_v1_ClaimSliceDeletionsResponse__Output>): grpc.ClientUnaryCall;
  claimSliceDeletions(argument: _fsmeta_v1_ClaimSliceDeletionsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_ClaimSliceDeletionsResponse__Output>): grpc.ClientUnaryCall;
  claimSliceDeletions(argument: _fsmeta_v1_ClaimSliceDeletionsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_ClaimSliceDeletionsResponse__Output>): grpc.ClientUnaryCall;
  claimSliceDeletions(argument: _fsmeta_v1_ClaimSliceDeletionsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_ClaimSliceDeletionsResponse__Output>): grpc.ClientUnaryCall;
  claimSliceDeletions(argument: _fsmeta_v1_ClaimSliceDeletionsRequest, callback: grpc.requestCallback<_fsmeta_v1_ClaimSliceDeletionsResponse__Output>): grpc.ClientUnaryCall;
  
  CleanupTrash(argument: _fsmeta_v1_CleanupTrashRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_CleanupTrashResponse__Output>): grpc.ClientUnaryCall;
  CleanupTrash(argument: _fsmeta_v1_CleanupTrashRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_CleanupTrashResponse__Output>): grpc.ClientUnaryCall;
  CleanupTrash(argument: _fsmeta_v1_CleanupTrashRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_CleanupTrashResponse__Output>): grpc.ClientUnaryCall;
  CleanupTrash(argument: _fsmeta_v1_CleanupTrashRequest, callback: grpc.requestCallback<_fsmeta_v1_CleanupTrashResponse__Output>): grpc.ClientUnaryCall;
  cleanupTrash(argument: _fsmeta_v1_CleanupTrashRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_CleanupTrashResponse__Output>): grpc.ClientUnaryCall;
  cleanupTrash(argument: _fsmeta_v1_CleanupTrashRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_CleanupTrashResponse__Output>): grpc.ClientUnaryCall;
  cleanupTrash(argument: _fsmeta_v1_CleanupTrashRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_CleanupTrashResponse__Output>): grpc.ClientUnaryCall;
  cleanupTrash(argument: _fsmeta_v1_CleanupTrashRequest, callback: grpc.requestCallback<_fsmeta_v1_CleanupTrashResponse__Output>): grpc.ClientUnaryCall;
  
  Close(argument: _fsmeta_v1_CloseRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_CloseResponse__Output>): grpc.ClientUnaryCall;
  Close(argument: _fsmeta_v1_CloseRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_CloseResponse__Output>): grpc.ClientUnaryCall;
  Close(argument: _fsmeta_v1_CloseRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_CloseResponse__Output>): grpc.ClientUnaryCall;
  Close(argument: _fsmeta_v1_CloseRequest, callback: grpc.requestCallback<_fsmeta_v1_CloseResponse__Output>): grpc.ClientUnaryCall;
  
  CloseSession(argument: _fsmeta_v1_CloseSessionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_CloseSessionResponse__Output>): grpc.ClientUnaryCall;
  CloseSession(argument: _fsmeta_v1_CloseSessionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_CloseSessionResponse__Output>): grpc.ClientUnaryCall;
  CloseSession(argument: _fsmeta_v1_CloseSessionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_CloseSessionResponse__Output>): grpc.ClientUnaryCall;
  CloseSession(argument: _fsmeta_v1_CloseSessionRequest, callback: grpc.requestCallback<_fsmeta_v1_CloseSessionResponse__Output>): grpc.ClientUnaryCall;
  closeSession(argument: _fsmeta_v1_CloseSessionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_CloseSessionResponse__Output>): grpc.ClientUnaryCall;
  closeSession(argument: _fsmeta_v1_CloseSessionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_CloseSessionResponse__Output>): grpc.ClientUnaryCall;
  closeSession(argument: _fsmeta_v1_CloseSessionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_CloseSessionResponse__Output>): grpc.ClientUnaryCall;
  closeSession(argument: _fsmeta_v1_CloseSessionRequest, callback: grpc.requestCallback<_fsmeta_v1_CloseSessionResponse__Output>): grpc.ClientUnaryCall;
  
  CommitCompaction(argument: _fsmeta_v1_CommitCompactionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_CommitCompactionResponse__Output>): grpc.ClientUnaryCall;
  CommitCompaction(argument: _fsmeta_v1_CommitCompactionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_CommitCompactionResponse__Output>): grpc.ClientUnaryCall;
  CommitCompaction(argument: _fsmeta_v1_CommitCompactionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_CommitCompactionResponse__Output>): grpc.ClientUnaryCall;
  CommitCompaction(argument: _fsmeta_v1_CommitCompactionRequest, callback: grpc.requestCallback<_fsmeta_v1_CommitCompactionResponse__Output>): grpc.ClientUnaryCall;
  commitCompaction(argument: _fsmeta_v1_CommitCompactionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_CommitCompactionResponse__Output>): grpc.ClientUnaryCall;
  commitCompaction(argument: _fsmeta_v1_CommitCompactionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_CommitCompactionResponse__Output>): grpc.ClientUnaryCall;
  commitCompaction(argument: _fsmeta_v1_CommitCompactionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_CommitCompactionResponse__Output>): grpc.ClientUnaryCall;
  commitCompaction(argument: _fsmeta_v1_CommitCompactionRequest, callback: grpc.requestCallback<_fsmeta_v1_CommitCompactionResponse__Output>): grpc.ClientUnaryCall;
  
  CopyFileRange(argument: _fsmeta_v1_CopyFileRangeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_CopyFileRangeResponse__Output>): grpc.ClientUnaryCall;
  CopyFileRange(argument: _fsmeta_v1_CopyFileRangeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_CopyFileRangeResponse__Output>): grpc.ClientUnaryCall;
  CopyFileRange(argument: _fsmeta_v1_CopyFileRangeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_CopyFileRangeResponse__Output>): grpc.ClientUnaryCall;
  CopyFileRange(argument: _fsmeta_v1_CopyFileRangeRequest, callback: grpc.requestCallback<_fsmeta_v1_CopyFileRangeResponse__Output>): grpc.ClientUnaryCall;
  copyFileRange(argument: _fsmeta_v1_CopyFileRangeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_CopyFileRangeResponse__Output>): grpc.ClientUnaryCall;
  copyFileRange(argument: _fsmeta_v1_CopyFileRangeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_CopyFileRangeResponse__Output>): grpc.ClientUnaryCall;
  copyFileRange(argument: _fsmeta_v1_CopyFileRangeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_CopyFileRangeResponse__Output>): grpc.ClientUnaryCall;
  copyFileRange(argument: _fsmeta_v1_CopyFileRangeRequest, callback: grpc.requestCallback<_fsmeta_v1_CopyFileRangeResponse__Output>): grpc.ClientUnaryCall;
  
  Create(argument: _fsmeta_v1_CreateRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_CreateResponse__Output>): grpc.ClientUnaryCall;
  Create(argument: _fsmeta_v1_CreateRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_CreateResponse__Output>): grpc.ClientUnaryCall;
  Create(argument: _fsmeta_v1_CreateRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_CreateResponse__Output>): grpc.ClientUnaryCall;
  Create(argument: _fsmeta_v1_CreateRequest, callback: grpc.requestCallback<_fsmeta_v1_CreateResponse__Output>): grpc.ClientUnaryCall;
  create(argument: _fsmeta_v1_CreateRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_CreateResponse__Output>): grpc.ClientUnaryCall;
  create(argument: _fsmeta_v1_CreateRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_CreateResponse__Output>): grpc.ClientUnaryCall;
  create(argument: _fsmeta_v1_CreateRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_CreateResponse__Output>): grpc.ClientUnaryCall;
  create(argument: _fsmeta_v1_CreateRequest, callback: grpc.requestCallback<_fsmeta_v1_CreateResponse__Output>): grpc.ClientUnaryCall;
  
  DeleteQuota(argument: _fsmeta_v1_DeleteQuotaRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_DeleteQuotaResponse__Output>): grpc.ClientUnaryCall;
  DeleteQuota(argument: _fsmeta_v1_DeleteQuotaRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_DeleteQuotaResponse__Output>): grpc.ClientUnaryCall;
  DeleteQuota(argument: _fsmeta_v1_DeleteQuotaRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_DeleteQuotaResponse__Output>): grpc.ClientUnaryCall;
  DeleteQuota(argument: _fsmeta_v1_DeleteQuotaRequest, callback: grpc.requestCallback<_fsmeta_v1_DeleteQuotaResponse__Output>): grpc.ClientUnaryCall;
  deleteQuota(argument: _fsmeta_v1_DeleteQuotaRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_DeleteQuotaResponse__Output>): grpc.ClientUnaryCall;
  deleteQuota(argument: _fsmeta_v1_DeleteQuotaRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_DeleteQuotaResponse__Output>): grpc.ClientUnaryCall;
  deleteQuota(argument: _fsmeta_v1_DeleteQuotaRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_DeleteQuotaResponse__Output>): grpc.ClientUnaryCall;
  deleteQuota(argument: _fsmeta_v1_DeleteQuotaRequest, callback: grpc.requestCallback<_fsmeta_v1_DeleteQuotaResponse__Output>): grpc.ClientUnaryCall;
  
  Fallocate(argument: _fsmeta_v1_FallocateRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_FallocateResponse__Output>): grpc.ClientUnaryCall;
  Fallocate(argument: _fsmeta_v1_FallocateRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_FallocateResponse__Output>): grpc.ClientUnaryCall;
  Fallocate(argument: _fsmeta_v1_FallocateRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_FallocateResponse__Output>): grpc.ClientUnaryCall;
  Fallocate(argument: _fsmeta_v1_FallocateRequest, callback: grpc.requestCallback<_fsmeta_v1_FallocateResponse__Output>): grpc.ClientUnaryCall;
  fallocate(argument: _fsmeta_v1_FallocateRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_FallocateResponse__Output>): grpc.ClientUnaryCall;
  fallocate(argument: _fsmeta_v1_FallocateRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_FallocateResponse__Output>): grpc.ClientUnaryCall;
  fallocate(argument: _fsmeta_v1_FallocateRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_FallocateResponse__Output>): grpc.ClientUnaryCall;
  fallocate(argument: _fsmeta_v1_FallocateRequest, callback: grpc.requestCallback<_fsmeta_v1_FallocateResponse__Output>): grpc.ClientUnaryCall;
  
  Flock(argument: _fsmeta_v1_FlockRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_FlockResponse__Output>): grpc.ClientUnaryCall;
  Flock(argument: _fsmeta_v1_FlockRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_FlockResponse__Output>): grpc.ClientUnaryCall;
  Flock(argument: _fsmeta_v1_FlockRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_FlockResponse__Output>): grpc.ClientUnaryCall;
  Flock(argument: _fsmeta_v1_FlockRequest, callback: grpc.requestCallback<_fsmeta_v1_FlockResponse__Output>): grpc.ClientUnaryCall;
  flock(argument: _fsmeta_v1_FlockRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_FlockResponse__Output>): grpc.ClientUnaryCall;
  flock(argument: _fsmeta_v1_FlockRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_FlockResponse__Output>): grpc.ClientUnaryCall;
  flock(argument: _fsmeta_v1_FlockRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_FlockResponse__Output>): grpc.ClientUnaryCall;
  flock(argument: _fsmeta_v1_FlockRequest, callback: grpc.requestCallback<_fsmeta_v1_FlockResponse__Output>): grpc.ClientUnaryCall;
  
  Format(argument: _fsmeta_v1_FormatRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_FormatResponse__Output>): grpc.ClientUnaryCall;
  Format(argument: _fsmeta_v1_FormatRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_FormatResponse__Output>): grpc.ClientUnaryCall;
  Format(argument: _fsmeta_v1_FormatRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_FormatResponse__Output>): grpc.ClientUnaryCall;
  Format(argument: _fsmeta_v1_FormatRequest, callback: grpc.requestCallback<_fsmeta_v1_FormatResponse__Output>): grpc.ClientUnaryCall;
  format(argument: _fsmeta_v1_FormatRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_FormatResponse__Output>): grpc.ClientUnaryCall;
  format(argument: _fsmeta_v1_FormatRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_FormatResponse__Output>): grpc.ClientUnaryCall;
  format(argument: _fsmeta_v1_FormatRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_FormatResponse__Output>): grpc.ClientUnaryCall;
  format(argument: _fsmeta_v1_FormatRequest, callback: grpc.requestCallback<_fsmeta_v1_FormatResponse__Output>): grpc.ClientUnaryCall;
  
  GetAttr(argument: _fsmeta_v1_GetAttrRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_GetAttrResponse__Output>): grpc.ClientUnaryCall;
  GetAttr(argument: _fsmeta_v1_GetAttrRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_GetAttrResponse__Output>): grpc.ClientUnaryCall;
  GetAttr(argument: _fsmeta_v1_GetAttrRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_GetAttrResponse__Output>): grpc.ClientUnaryCall;
  GetAttr(argument: _fsmeta_v1_GetAttrRequest, callback: grpc.requestCallback<_fsmeta_v1_GetAttrResponse__Output>): grpc.ClientUnaryCall;
  getAttr(argument: _fsmeta_v1_GetAttrRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_GetAttrResponse__Output>): grpc.ClientUnaryCall;
  getAttr(argument: _fsmeta_v1_GetAttrRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_GetAttrResponse__Output>): grpc.ClientUnaryCall;
  getAttr(argument: _fsmeta_v1_GetAttrRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_GetAttrResponse__Output>): grpc.ClientUnaryCall;
  getAttr(argument: _fsmeta_v1_GetAttrRequest, callback: grpc.requestCallback<_fsmeta_v1_GetAttrResponse__Output>): grpc.ClientUnaryCall;
  
  GetDirStat(argument: _fsmeta_v1_GetDirStatRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_GetDirStatResponse__Output>): grpc.ClientUnaryCall;
  GetDirStat(argument: _fsmeta_v1_GetDirStatRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_GetDirStatResponse__Output>): grpc.ClientUnaryCall;
  GetDirStat(argument: _fsmeta_v1_GetDirStatRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_GetDirStatResponse__Output>): grpc.ClientUnaryCall;
  GetDirStat(argument: _fsmeta_v1_GetDirStatRequest, callback: grpc.requestCallback<_fsmeta_v1_GetDirStatResponse__Output>): grpc.ClientUnaryCall;
  getDirStat(argument: _fsmeta_v1_GetDirStatRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_GetDirStatResponse__Output>): grpc.ClientUnaryCall;
  getDirStat(argument: _fsmeta_v1_GetDirStatRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_GetDirStatResponse__Output>): grpc.ClientUnaryCall;
  getDirStat(argument: _fsmeta_v1_GetDirStatRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_GetDirStatResponse__Output>): grpc.ClientUnaryCall;
  getDirStat(argument: _fsmeta_v1_GetDirStatRequest, callback: grpc.requestCallback<_fsmeta_v1_GetDirStatResponse__Output>): grpc.ClientUnaryCall;
  
  GetFormat(argument: _fsmeta_v1_GetFormatRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_GetFormatResponse__Output>): grpc.ClientUnaryCall;
  GetFormat(argument: _fsmeta_v1_GetFormatRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_GetFormatResponse__Output>): grpc.ClientUnaryCall;
  GetFormat(argument: _fsmeta_v1_GetFormatRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_GetFormatResponse__Output>): grpc.ClientUnaryCall;
  GetFormat(argument: _fsmeta_v1_GetFormatRequest, callback: grpc.requestCallback<_fsmeta_v1_GetFormatResponse__Output>): grpc.ClientUnaryCall;
  getFormat(argument: _fsmeta_v1_GetFormatRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_GetFormatResponse__Output>): grpc.ClientUnaryCall;
  getFormat(argument: _fsmeta_v1_GetFormatRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_GetFormatResponse__Output>): grpc.ClientUnaryCall;
  getFormat(argument: _fsmeta_v1_GetFormatRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_GetFormatResponse__Output>): grpc.ClientUnaryCall;
  getFormat(argument: _fsmeta_v1_GetFormatRequest, callback: grpc.requestCallback<_fsmeta_v1_GetFormatResponse__Output>): grpc.ClientUnaryCall;
  
  GetLk(argument: _fsmeta_v1_GetLkRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_GetLkResponse__Output>): grpc.ClientUnaryCall;
  GetLk(argument: _fsmeta_v1_GetLkRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_GetLkResponse__Output>): grpc.ClientUnaryCall;
  GetLk(argument: _fsmeta_v1_GetLkRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_GetLkResponse__Output>): grpc.ClientUnaryCall;
  GetLk(argument: _fsmeta_v1_GetLkRequest, callback: grpc.requestCallback<_fsmeta_v1_GetLkResponse__Output>): grpc.ClientUnaryCall;
  getLk(argument: _fsmeta_v1_GetLkRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_GetLkResponse__Output>): grpc.ClientUnaryCall;
  getLk(argument: _fsmeta_v1_GetLkRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_GetLkResponse__Output>): grpc.ClientUnaryCall;
  getLk(argument: _fsmeta_v1_GetLkRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_GetLkResponse__Output>): grpc.ClientUnaryCall;
  getLk(argument: _fsmeta_v1_GetLkRequest, callback: grpc.requestCallback<_fsmeta_v1_GetLkResponse__Output>): grpc.ClientUnaryCall;
  
  GetQuota(argument: _fsmeta_v1_GetQuotaRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_GetQuotaResponse__Output>): grpc.ClientUnaryCall;
  GetQuota(argument: _fsmeta_v1_GetQuotaRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_GetQuotaResponse__Output>): grpc.ClientUnaryCall;
  GetQuota(argument: _fsmeta_v1_GetQuotaRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_GetQuotaResponse__Output>): grpc.ClientUnaryCall;
  GetQuota(argument: _fsmeta_v1_GetQuotaRequest, callback: grpc.requestCallback<_fsmeta_v1_GetQuotaResponse__Output>): grpc.ClientUnaryCall;
  getQuota(argument: _fsmeta_v1_GetQuotaRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_GetQuotaResponse__Output>): grpc.ClientUnaryCall;
  getQuota(argument: _fsmeta_v1_GetQuotaRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_GetQuotaResponse__Output>): grpc.ClientUnaryCall;
  getQuota(argument: _fsmeta_v1_GetQuotaRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_GetQuotaResponse__Output>): grpc.ClientUnaryCall;
  getQuota(argument: _fsmeta_v1_GetQuotaRequest, callback: grpc.requestCallback<_fsmeta_v1_GetQuotaResponse__Output>): grpc.ClientUnaryCall;
  
  GetSummary(argument: _fsmeta_v1_GetSummaryRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_GetSummaryResponse__Output>): grpc.ClientUnaryCall;
  GetSummary(argument: _fsmeta_v1_GetSummaryRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_GetSummaryResponse__Output>): grpc.ClientUnaryCall;
  GetSummary(argument: _fsmeta_v1_GetSummaryRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_GetSummaryResponse__Output>): grpc.ClientUnaryCall;
  GetSummary(argument: _fsmeta_v1_GetSummaryRequest, callback: grpc.requestCallback<_fsmeta_v1_GetSummaryResponse__Output>): grpc.ClientUnaryCall;
  getSummary(argument: _fsmeta_v1_GetSummaryRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_GetSummaryResponse__Output>): grpc.ClientUnaryCall;
  getSummary(argument: _fsmeta_v1_GetSummaryRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_GetSummaryResponse__Output>): grpc.ClientUnaryCall;
  getSummary(argument: _fsmeta_v1_GetSummaryRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_GetSummaryResponse__Output>): grpc.ClientUnaryCall;
  getSummary(argument: _fsmeta_v1_GetSummaryRequest, callback: grpc.requestCallback<_fsmeta_v1_GetSummaryResponse__Output>): grpc.ClientUnaryCall;
  
  GetXattr(argument: _fsmeta_v1_GetXattrRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_GetXattrResponse__Output>): grpc.ClientUnaryCall;
  GetXattr(argument: _fsmeta_v1_GetXattrRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_GetXattrResponse__Output>): grpc.ClientUnaryCall;
  GetXattr(argument: _fsmeta_v1_GetXattrRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_GetXattrResponse__Output>): grpc.ClientUnaryCall;
  GetXattr(argument: _fsmeta_v1_GetXattrRequest, callback: grpc.requestCallback<_fsmeta_v1_GetXattrResponse__Output>): grpc.ClientUnaryCall;
  getXattr(argument: _fsmeta_v1_GetXattrRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_GetXattrResponse__Output>): grpc.ClientUnaryCall;
  getXattr(argument: _fsmeta_v1_GetXattrRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_GetXattrResponse__Output>): grpc.ClientUnaryCall;
  getXattr(argument: _fsmeta_v1_GetXattrRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_GetXattrResponse__Output>): grpc.ClientUnaryCall;
  getXattr(argument: _fsmeta_v1_GetXattrRequest, callback: grpc.requestCallback<_fsmeta_v1_GetXattrResponse__Output>): grpc.ClientUnaryCall;
  
  Heartbeat(argument: _fsmeta_v1_HeartbeatRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_HeartbeatResponse__Output>): grpc.ClientUnaryCall;
  Heartbeat(argument: _fsmeta_v1_HeartbeatRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_HeartbeatResponse__Output>): grpc.ClientUnaryCall;
  Heartbeat(argument: _fsmeta_v1_HeartbeatRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_HeartbeatResponse__Output>): grpc.ClientUnaryCall;
  Heartbeat(argument: _fsmeta_v1_HeartbeatRequest, callback: grpc.requestCallback<_fsmeta_v1_HeartbeatResponse__Output>): grpc.ClientUnaryCall;
  heartbeat(argument: _fsmeta_v1_HeartbeatRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_HeartbeatResponse__Output>): grpc.ClientUnaryCall;
  heartbeat(argument: _fsmeta_v1_HeartbeatRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_HeartbeatResponse__Output>): grpc.ClientUnaryCall;
  heartbeat(argument: _fsmeta_v1_HeartbeatRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_HeartbeatResponse__Output>): grpc.ClientUnaryCall;
  heartbeat(argument: _fsmeta_v1_HeartbeatRequest, callback: grpc.requestCallback<_fsmeta_v1_HeartbeatResponse__Output>): grpc.ClientUnaryCall;
  
  Link(argument: _fsmeta_v1_LinkRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_LinkResponse__Output>): grpc.ClientUnaryCall;
  Link(argument: _fsmeta_v1_LinkRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_LinkResponse__Output>): grpc.ClientUnaryCall;
  Link(argument: _fsmeta_v1_LinkRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_LinkResponse__Output>): grpc.ClientUnaryCall;
  Link(argument: _fsmeta_v1_LinkRequest, callback: grpc.requestCallback<_fsmeta_v1_LinkResponse__Output>): grpc.ClientUnaryCall;
  link(argument: _fsmeta_v1_LinkRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_LinkResponse__Output>): grpc.ClientUnaryCall;
  link(argument: _fsmeta_v1_LinkRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_LinkResponse__Output>): grpc.ClientUnaryCall;
  link(argument: _fsmeta_v1_LinkRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_LinkResponse__Output>): grpc.ClientUnaryCall;
  link(argument: _fsmeta_v1_LinkRequest, callback: grpc.requestCallback<_fsmeta_v1_LinkResponse__Output>): grpc.ClientUnaryCall;
  
  ListQuotas(argument: _fsmeta_v1_ListQuotasRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_ListQuotasResponse__Output>): grpc.ClientUnaryCall;
  ListQuotas(argument: _fsmeta_v1_ListQuotasRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_ListQuotasResponse__Output>): grpc.ClientUnaryCall;
  ListQuotas(argument: _fsmeta_v1_ListQuotasRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_ListQuotasResponse__Output>): grpc.ClientUnaryCall;
  ListQuotas(argument: _fsmeta_v1_ListQuotasRequest, callback: grpc.requestCallback<_fsmeta_v1_ListQuotasResponse__Output>): grpc.ClientUnaryCall;
  listQuotas(argument: _fsmeta_v1_ListQuotasRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_ListQuotasResponse__Output>): grpc.ClientUnaryCall;
  listQuotas(argument: _fsmeta_v1_ListQuotasRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_ListQuotasResponse__Output>): grpc.ClientUnaryCall;
  listQuotas(argument: _fsmeta_v1_ListQuotasRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_ListQuotasResponse__Output>): grpc.ClientUnaryCall;
  listQuotas(argument: _fsmeta_v1_ListQuotasRequest, callback: grpc.requestCallback<_fsmeta_v1_ListQuotasResponse__Output>): grpc.ClientUnaryCall;
  
  ListSessions(argument: _fsmeta_v1_ListSessionsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_ListSessionsResponse__Output>): grpc.ClientUnaryCall;
  ListSessions(argument: _fsmeta_v1_ListSessionsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_ListSessionsResponse__Output>): grpc.ClientUnaryCall;
  ListSessions(argument: _fsmeta_v1_ListSessionsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_ListSessionsResponse__Output>): grpc.ClientUnaryCall;
  ListSessions(argument: _fsmeta_v1_ListSessionsRequest, callback: grpc.requestCallback<_fsmeta_v1_ListSessionsResponse__Output>): grpc.ClientUnaryCall;
  listSessions(argument: _fsmeta_v1_ListSessionsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_ListSessionsResponse__Output>): grpc.ClientUnaryCall;
  listSessions(argument: _fsmeta_v1_ListSessionsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_ListSessionsResponse__Output>): grpc.ClientUnaryCall;
  listSessions(argument: _fsmeta_v1_ListSessionsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_ListSessionsResponse__Output>): grpc.ClientUnaryCall;
  listSessions(argument: _fsmeta_v1_ListSessionsRequest, callback: grpc.requestCallback<_fsmeta_v1_ListSessionsResponse__Output>): grpc.ClientUnaryCall;
  
  ListXattr(argument: _fsmeta_v1_ListXattrRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_ListXattrResponse__Output>): grpc.ClientUnaryCall;
  ListXattr(argument: _fsmeta_v1_ListXattrRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_ListXattrResponse__Output>): grpc.ClientUnaryCall;
  ListXattr(argument: _fsmeta_v1_ListXattrRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_ListXattrResponse__Output>): grpc.ClientUnaryCall;
  ListXattr(argument: _fsmeta_v1_ListXattrRequest, callback: grpc.requestCallback<_fsmeta_v1_ListXattrResponse__Output>): grpc.ClientUnaryCall;
  listXattr(argument: _fsmeta_v1_ListXattrRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_ListXattrResponse__Output>): grpc.ClientUnaryCall;
  listXattr(argument: _fsmeta_v1_ListXattrRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_ListXattrResponse__Output>): grpc.ClientUnaryCall;
  listXattr(argument: _fsmeta_v1_ListXattrRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_ListXattrResponse__Output>): grpc.ClientUnaryCall;
  listXattr(argument: _fsmeta_v1_ListXattrRequest, callback: grpc.requestCallback<_fsmeta_v1_ListXattrResponse__Output>): grpc.ClientUnaryCall;
  
  Lookup(argument: _fsmeta_v1_LookupRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_LookupResponse__Output>): grpc.ClientUnaryCall;
  Lookup(argument: _fsmeta_v1_LookupRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_LookupResponse__Output>): grpc.ClientUnaryCall;
  Lookup(argument: _fsmeta_v1_LookupRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_LookupResponse__Output>): grpc.ClientUnaryCall;
  Lookup(argument: _fsmeta_v1_LookupRequest, callback: grpc.requestCallback<_fsmeta_v1_LookupResponse__Output>): grpc.ClientUnaryCall;
  lookup(argument: _fsmeta_v1_LookupRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_LookupResponse__Output>): grpc.ClientUnaryCall;
  lookup(argument: _fsmeta_v1_LookupRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_LookupResponse__Output>): grpc.ClientUnaryCall;
  lookup(argument: _fsmeta_v1_LookupRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_LookupResponse__Output>): grpc.ClientUnaryCall;
  lookup(argument: _fsmeta_v1_LookupRequest, callback: grpc.requestCallback<_fsmeta_v1_LookupResponse__Output>): grpc.ClientUnaryCall;
  
  Mkdir(argument: _fsmeta_v1_MkdirRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_MkdirResponse__Output>): grpc.ClientUnaryCall;
  Mkdir(argument: _fsmeta_v1_MkdirRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_MkdirResponse__Output>): grpc.ClientUnaryCall;
  Mkdir(argument: _fsmeta_v1_MkdirRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_MkdirResponse__Output>): grpc.ClientUnaryCall;
  Mkdir(argument: _fsmeta_v1_MkdirRequest, callback: grpc.requestCallback<_fsmeta_v1_MkdirResponse__Output>): grpc.ClientUnaryCall;
  mkdir(argument: _fsmeta_v1_MkdirRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_MkdirResponse__Output>): grpc.ClientUnaryCall;
  mkdir(argument: _fsmeta_v1_MkdirRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_MkdirResponse__Output>): grpc.ClientUnaryCall;
  mkdir(argument: _fsmeta_v1_MkdirRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_MkdirResponse__Output>): grpc.ClientUnaryCall;
  mkdir(argument: _fsmeta_v1_MkdirRequest, callback: grpc.requestCallback<_fsmeta_v1_MkdirResponse__Output>): grpc.ClientUnaryCall;
  
  Mknod(argument: _fsmeta_v1_MknodRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_MknodResponse__Output>): grpc.ClientUnaryCall;
  Mknod(argument: _fsmeta_v1_MknodRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_MknodResponse__Output>): grpc.ClientUnaryCall;
  Mknod(argument: _fsmeta_v1_MknodRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_MknodResponse__Output>): grpc.ClientUnaryCall;
  Mknod(argument: _fsmeta_v1_MknodRequest, callback: grpc.requestCallback<_fsmeta_v1_MknodResponse__Output>): grpc.ClientUnaryCall;
  mknod(argument: _fsmeta_v1_MknodRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_MknodResponse__Output>): grpc.ClientUnaryCall;
  mknod(argument: _fsmeta_v1_MknodRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_MknodResponse__Output>): grpc.ClientUnaryCall;
  mknod(argument: _fsmeta_v1_MknodRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_MknodResponse__Output>): grpc.ClientUnaryCall;
  mknod(argument: _fsmeta_v1_MknodRequest, callback: grpc.requestCallback<_fsmeta_v1_MknodResponse__Output>): grpc.ClientUnaryCall;
  
  NewSession(argument: _fsmeta_v1_NewSessionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_NewSessionResponse__Output>): grpc.ClientUnaryCall;
  NewSession(argument: _fsmeta_v1_NewSessionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_NewSessionResponse__Output>): grpc.ClientUnaryCall;
  NewSession(argument: _fsmeta_v1_NewSessionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_NewSessionResponse__Output>): grpc.ClientUnaryCall;
  NewSession(argument: _fsmeta_v1_NewSessionRequest, callback: grpc.requestCallback<_fsmeta_v1_NewSessionResponse__Output>): grpc.ClientUnaryCall;
  newSession(argument: _fsmeta_v1_NewSessionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_NewSessionResponse__Output>): grpc.ClientUnaryCall;
  newSession(argument: _fsmeta_v1_NewSessionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_NewSessionResponse__Output>): grpc.ClientUnaryCall;
  newSession(argument: _fsmeta_v1_NewSessionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_NewSessionResponse__Output>): grpc.ClientUnaryCall;
  newSession(argument: _fsmeta_v1_NewSessionRequest, callback: grpc.requestCallback<_fsmeta_v1_NewSessionResponse__Output>): grpc.ClientUnaryCall;
  
  NewSlices(argument: _fsmeta_v1_NewSlicesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_NewSlicesResponse__Output>): grpc.ClientUnaryCall;
  NewSlices(argument: _fsmeta_v1_NewSlicesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_NewSlicesResponse__Output>): grpc.ClientUnaryCall;
  NewSlices(argument: _fsmeta_v1_NewSlicesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_NewSlicesResponse__Output>): grpc.ClientUnaryCall;
  NewSlices(argument: _fsmeta_v1_NewSlicesRequest, callback: grpc.requestCallback<_fsmeta_v1_NewSlicesResponse__Output>): grpc.ClientUnaryCall;
  newSlices(argument: _fsmeta_v1_NewSlicesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_NewSlicesResponse__Output>): grpc.ClientUnaryCall;
  newSlices(argument: _fsmeta_v1_NewSlicesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_NewSlicesResponse__Output>): grpc.ClientUnaryCall;
  newSlices(argument: _fsmeta_v1_NewSlicesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_NewSlicesResponse__Output>): grpc.ClientUnaryCall;
  newSlices(argument: _fsmeta_v1_NewSlicesRequest, callback: grpc.requestCallback<_fsmeta_v1_NewSlicesResponse__Output>): grpc.ClientUnaryCall;
  
  Open(argument: _fsmeta_v1_OpenRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_OpenResponse__Output>): grpc.ClientUnaryCall;
  Open(argument: _fsmeta_v1_OpenRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_OpenResponse__Output>): grpc.ClientUnaryCall;
  Open(argument: _fsmeta_v1_OpenRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_OpenResponse__Output>): grpc.ClientUnaryCall;
  Open(argument: _fsmeta_v1_OpenRequest, callback: grpc.requestCallback<_fsmeta_v1_OpenResponse__Output>): grpc.ClientUnaryCall;
  open(argument: _fsmeta_v1_OpenRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_OpenResponse__Output>): grpc.ClientUnaryCall;
  open(argument: _fsmeta_v1_OpenRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_OpenResponse__Output>): grpc.ClientUnaryCall;
  open(argument: _fsmeta_v1_OpenRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_OpenResponse__Output>): grpc.ClientUnaryCall;
  open(argument: _fsmeta_v1_OpenRequest, callback: grpc.requestCallback<_fsmeta_v1_OpenResponse__Output>): grpc.ClientUnaryCall;
  
  Read(argument: _fsmeta_v1_ReadRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_ReadResponse__Output>): grpc.ClientUnaryCall;
  Read(argument: _fsmeta_v1_ReadRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_ReadResponse__Output>): grpc.ClientUnaryCall;
  Read(argument: _fsmeta_v1_ReadRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_ReadResponse__Output>): grpc.ClientUnaryCall;
  Read(argument: _fsmeta_v1_ReadRequest, callback: grpc.requestCallback<_fsmeta_v1_ReadResponse__Output>): grpc.ClientUnaryCall;
  read(argument: _fsmeta_v1_ReadRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_ReadResponse__Output>): grpc.ClientUnaryCall;
  read(argument: _fsmeta_v1_ReadRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_ReadResponse__Output>): grpc.ClientUnaryCall;
  read(argument: _fsmeta_v1_ReadRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_ReadResponse__Output>): grpc.ClientUnaryCall;
  read(argument: _fsmeta_v1_ReadRequest, callback: grpc.requestCallback<_fsmeta_v1_ReadResponse__Output>): grpc.ClientUnaryCall;
  
  ReadLink(argument: _fsmeta_v1_ReadLinkRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_ReadLinkResponse__Output>): grpc.ClientUnaryCall;
  ReadLink(argument: _fsmeta_v1_ReadLinkRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_ReadLinkResponse__Output>): grpc.ClientUnaryCall;
  ReadLink(argument: _fsmeta_v1_ReadLinkRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_ReadLinkResponse__Output>): grpc.ClientUnaryCall;
  ReadLink(argument: _fsmeta_v1_ReadLinkRequest, callback: grpc.requestCallback<_fsmeta_v1_ReadLinkResponse__Output>): grpc.ClientUnaryCall;
  readLink(argument: _fsmeta_v1_ReadLinkRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_ReadLinkResponse__Output>): grpc.ClientUnaryCall;
  readLink(argument: _fsmeta_v1_ReadLinkRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_ReadLinkResponse__Output>): grpc.ClientUnaryCall;
  readLink(argument: _fsmeta_v1_ReadLinkRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_ReadLinkResponse__Output>): grpc.ClientUnaryCall;
  readLink(argument: _fsmeta_v1_ReadLinkRequest, callback: grpc.requestCallback<_fsmeta_v1_ReadLinkResponse__Output>): grpc.ClientUnaryCall;
  
  Readdir(argument: _fsmeta_v1_ReaddirRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_ReaddirResponse__Output>): grpc.ClientUnaryCall;
  Readdir(argument: _fsmeta_v1_ReaddirRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_ReaddirResponse__Output>): grpc.ClientUnaryCall;
  Readdir(argument: _fsmeta_v1_ReaddirRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_ReaddirResponse__Output>): grpc.ClientUnaryCall;
  Readdir(argument: _fsmeta_v1_ReaddirRequest, callback: grpc.requestCallback<_fsmeta_v1_ReaddirResponse__Output>): grpc.ClientUnaryCall;
  readdir(argument: _fsmeta_v1_ReaddirRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_ReaddirResponse__Output>): grpc.ClientUnaryCall;
  readdir(argument: _fsmeta_v1_ReaddirRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_ReaddirResponse__Output>): grpc.ClientUnaryCall;
  readdir(argument: _fsmeta_v1_ReaddirRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_ReaddirResponse__Output>): grpc.ClientUnaryCall;
  readdir(argument: _fsmeta_v1_ReaddirRequest, callback: grpc.requestCallback<_fsmeta_v1_ReaddirResponse__Output>): grpc.ClientUnaryCall;
  
  RemoveXattr(argument: _fsmeta_v1_RemoveXattrRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_RemoveXattrResponse__Output>): grpc.ClientUnaryCall;
  RemoveXattr(argument: _fsmeta_v1_RemoveXattrRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_RemoveXattrResponse__Output>): grpc.ClientUnaryCall;
  RemoveXattr(argument: _fsmeta_v1_RemoveXattrRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_RemoveXattrResponse__Output>): grpc.ClientUnaryCall;
  RemoveXattr(argument: _fsmeta_v1_RemoveXattrRequest, callback: grpc.requestCallback<_fsmeta_v1_RemoveXattrResponse__Output>): grpc.ClientUnaryCall;
  removeXattr(argument: _fsmeta_v1_RemoveXattrRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_RemoveXattrResponse__Output>): grpc.ClientUnaryCall;
  removeXattr(argument: _fsmeta_v1_RemoveXattrRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_RemoveXattrResponse__Output>): grpc.ClientUnaryCall;
  removeXattr(argument: _fsmeta_v1_RemoveXattrRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_RemoveXattrResponse__Output>): grpc.ClientUnaryCall;
  removeXattr(argument: _fsmeta_v1_RemoveXattrRequest, callback: grpc.requestCallback<_fsmeta_v1_RemoveXattrResponse__Output>): grpc.ClientUnaryCall;
  
  Rename(argument: _fsmeta_v1_RenameRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_RenameResponse__Output>): grpc.ClientUnaryCall;
  Rename(argument: _fsmeta_v1_RenameRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_RenameResponse__Output>): grpc.ClientUnaryCall;
  Rename(argument: _fsmeta_v1_RenameRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_RenameResponse__Output>): grpc.ClientUnaryCall;
  Rename(argument: _fsmeta_v1_RenameRequest, callback: grpc.requestCallback<_fsmeta_v1_RenameResponse__Output>): grpc.ClientUnaryCall;
  rename(argument: _fsmeta_v1_RenameRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_RenameResponse__Output>): grpc.ClientUnaryCall;
  rename(argument: _fsmeta_v1_RenameRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_RenameResponse__Output>): grpc.ClientUnaryCall;
  rename(argument: _fsmeta_v1_RenameRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_RenameResponse__Output>): grpc.ClientUnaryCall;
  rename(argument: _fsmeta_v1_RenameRequest, callback: grpc.requestCallback<_fsmeta_v1_RenameResponse__Output>): grpc.ClientUnaryCall;
  
  RestoreTrash(argument: _fsmeta_v1_RestoreTrashRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_RestoreTrashResponse__Output>): grpc.ClientUnaryCall;
  RestoreTrash(argument: _fsmeta_v1_RestoreTrashRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_RestoreTrashResponse__Output>): grpc.ClientUnaryCall;
  RestoreTrash(argument: _fsmeta_v1_RestoreTrashRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_RestoreTrashResponse__Output>): grpc.ClientUnaryCall;
  RestoreTrash(argument: _fsmeta_v1_RestoreTrashRequest, callback: grpc.requestCallback<_fsmeta_v1_RestoreTrashResponse__Output>): grpc.ClientUnaryCall;
  restoreTrash(argument: _fsmeta_v1_RestoreTrashRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_RestoreTrashResponse__Output>): grpc.ClientUnaryCall;
  restoreTrash(argument: _fsmeta_v1_RestoreTrashRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_RestoreTrashResponse__Output>): grpc.ClientUnaryCall;
  restoreTrash(argument: _fsmeta_v1_RestoreTrashRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_RestoreTrashResponse__Output>): grpc.ClientUnaryCall;
  restoreTrash(argument: _fsmeta_v1_RestoreTrashRequest, callback: grpc.requestCallback<_fsmeta_v1_RestoreTrashResponse__Output>): grpc.ClientUnaryCall;
  
  Rmdir(argument: _fsmeta_v1_RmdirRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_RmdirResponse__Output>): grpc.ClientUnaryCall;
  Rmdir(argument: _fsmeta_v1_RmdirRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_RmdirResponse__Output>): grpc.ClientUnaryCall;
  Rmdir(argument: _fsmeta_v1_RmdirRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_RmdirResponse__Output>): grpc.ClientUnaryCall;
  Rmdir(argument: _fsmeta_v1_RmdirRequest, callback: grpc.requestCallback<_fsmeta_v1_RmdirResponse__Output>): grpc.ClientUnaryCall;
  rmdir(argument: _fsmeta_v1_RmdirRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_RmdirResponse__Output>): grpc.ClientUnaryCall;
  rmdir(argument: _fsmeta_v1_RmdirRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_RmdirResponse__Output>): grpc.ClientUnaryCall;
  rmdir(argument: _fsmeta_v1_RmdirRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_RmdirResponse__Output>): grpc.ClientUnaryCall;
  rmdir(argument: _fsmeta_v1_RmdirRequest, callback: grpc.requestCallback<_fsmeta_v1_RmdirResponse__Output>): grpc.ClientUnaryCall;
  
  SetAttr(argument: _fsmeta_v1_SetAttrRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_SetAttrResponse__Output>): grpc.ClientUnaryCall;
  SetAttr(argument: _fsmeta_v1_SetAttrRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_SetAttrResponse__Output>): grpc.ClientUnaryCall;
  SetAttr(argument: _fsmeta_v1_SetAttrRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_SetAttrResponse__Output>): grpc.ClientUnaryCall;
  SetAttr(argument: _fsmeta_v1_SetAttrRequest, callback: grpc.requestCallback<_fsmeta_v1_SetAttrResponse__Output>): grpc.ClientUnaryCall;
  setAttr(argument: _fsmeta_v1_SetAttrRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_SetAttrResponse__Output>): grpc.ClientUnaryCall;
  setAttr(argument: _fsmeta_v1_SetAttrRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_SetAttrResponse__Output>): grpc.ClientUnaryCall;
  setAttr(argument: _fsmeta_v1_SetAttrRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_SetAttrResponse__Output>): grpc.ClientUnaryCall;
  setAttr(argument: _fsmeta_v1_SetAttrRequest, callback: grpc.requestCallback<_fsmeta_v1_SetAttrResponse__Output>): grpc.ClientUnaryCall;
  
  SetLk(argument: _fsmeta_v1_SetLkRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_SetLkResponse__Output>): grpc.ClientUnaryCall;
  SetLk(argument: _fsmeta_v1_SetLkRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_SetLkResponse__Output>): grpc.ClientUnaryCall;
  SetLk(argument: _fsmeta_v1_SetLkRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_SetLkResponse__Output>): grpc.ClientUnaryCall;
  SetLk(argument: _fsmeta_v1_SetLkRequest, callback: grpc.requestCallback<_fsmeta_v1_SetLkResponse__Output>): grpc.ClientUnaryCall;
  setLk(argument: _fsmeta_v1_SetLkRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_SetLkResponse__Output>): grpc.ClientUnaryCall;
  setLk(argument: _fsmeta_v1_SetLkRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_SetLkResponse__Output>): grpc.ClientUnaryCall;
  setLk(argument: _fsmeta_v1_SetLkRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_SetLkResponse__Output>): grpc.ClientUnaryCall;
  setLk(argument: _fsmeta_v1_SetLkRequest, callback: grpc.requestCallback<_fsmeta_v1_SetLkResponse__Output>): grpc.ClientUnaryCall;
  
  SetQuota(argument: _fsmeta_v1_SetQuotaRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_SetQuotaResponse__Output>): grpc.ClientUnaryCall;
  SetQuota(argument: _fsmeta_v1_SetQuotaRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_SetQuotaResponse__Output>): grpc.ClientUnaryCall;
  SetQuota(argument: _fsmeta_v1_SetQuotaRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_SetQuotaResponse__Output>): grpc.ClientUnaryCall;
  SetQuota(argument: _fsmeta_v1_SetQuotaRequest, callback: grpc.requestCallback<_fsmeta_v1_SetQuotaResponse__Output>): grpc.ClientUnaryCall;
  setQuota(argument: _fsmeta_v1_SetQuotaRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_SetQuotaResponse__Output>): grpc.ClientUnaryCall;
  setQuota(argument: _fsmeta_v1_SetQuotaRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_SetQuotaResponse__Output>): grpc.ClientUnaryCall;
  setQuota(argument: _fsmeta_v1_SetQuotaRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_SetQuotaResponse__Output>): grpc.ClientUnaryCall;
  setQuota(argument: _fsmeta_v1_SetQuotaRequest, callback: grpc.requestCallback<_fsmeta_v1_SetQuotaResponse__Output>): grpc.ClientUnaryCall;
  
  SetXattr(argument: _fsmeta_v1_SetXattrRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_SetXattrResponse__Output>): grpc.ClientUnaryCall;
  SetXattr(argument: _fsmeta_v1_SetXattrRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_SetXattrResponse__Output>): grpc.ClientUnaryCall;
  SetXattr(argument: _fsmeta_v1_SetXattrRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_SetXattrResponse__Output>): grpc.ClientUnaryCall;
  SetXattr(argument: _fsmeta_v1_SetXattrRequest, callback: grpc.requestCallback<_fsmeta_v1_SetXattrResponse__Output>): grpc.ClientUnaryCall;
  setXattr(argument: _fsmeta_v1_SetXattrRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_SetXattrResponse__Output>): grpc.ClientUnaryCall;
  setXattr(argument: _fsmeta_v1_SetXattrRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_SetXattrResponse__Output>): grpc.ClientUnaryCall;
  setXattr(argument: _fsmeta_v1_SetXattrRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_SetXattrResponse__Output>): grpc.ClientUnaryCall;
  setXattr(argument: _fsmeta_v1_SetXattrRequest, callback: grpc.requestCallback<_fsmeta_v1_SetXattrResponse__Output>): grpc.ClientUnaryCall;
  
  StatFS(argument: _fsmeta_v1_StatFSRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_StatFSResponse__Output>): grpc.ClientUnaryCall;
  StatFS(argument: _fsmeta_v1_StatFSRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_StatFSResponse__Output>): grpc.ClientUnaryCall;
  StatFS(argument: _fsmeta_v1_StatFSRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_StatFSResponse__Output>): grpc.ClientUnaryCall;
  StatFS(argument: _fsmeta_v1_StatFSRequest, callback: grpc.requestCallback<_fsmeta_v1_StatFSResponse__Output>): grpc.ClientUnaryCall;
  statFs(argument: _fsmeta_v1_StatFSRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_StatFSResponse__Output>): grpc.ClientUnaryCall;
  statFs(argument: _fsmeta_v1_StatFSRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_StatFSResponse__Output>): grpc.ClientUnaryCall;
  statFs(argument: _fsmeta_v1_StatFSRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_StatFSResponse__Output>): grpc.ClientUnaryCall;
  statFs(argument: _fsmeta_v1_StatFSRequest, callback: grpc.requestCallback<_fsmeta_v1_StatFSResponse__Output>): grpc.ClientUnaryCall;
  
  Symlink(argument: _fsmeta_v1_SymlinkRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_SymlinkResponse__Output>): grpc.ClientUnaryCall;
  Symlink(argument: _fsmeta_v1_SymlinkRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_SymlinkResponse__Output>): grpc.ClientUnaryCall;
  Symlink(argument: _fsmeta_v1_SymlinkRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_SymlinkResponse__Output>): grpc.ClientUnaryCall;
  Symlink(argument: _fsmeta_v1_SymlinkRequest, callback: grpc.requestCallback<_fsmeta_v1_SymlinkResponse__Output>): grpc.ClientUnaryCall;
  symlink(argument: _fsmeta_v1_SymlinkRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_SymlinkResponse__Output>): grpc.ClientUnaryCall;
  symlink(argument: _fsmeta_v1_SymlinkRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_SymlinkResponse__Output>): grpc.ClientUnaryCall;
  symlink(argument: _fsmeta_v1_SymlinkRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_SymlinkResponse__Output>): grpc.ClientUnaryCall;
  symlink(argument: _fsmeta_v1_SymlinkRequest, callback: grpc.requestCallback<_fsmeta_v1_SymlinkResponse__Output>): grpc.ClientUnaryCall;
  
  Truncate(argument: _fsmeta_v1_TruncateRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_TruncateResponse__Output>): grpc.ClientUnaryCall;
  Truncate(argument: _fsmeta_v1_TruncateRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_TruncateResponse__Output>): grpc.ClientUnaryCall;
  Truncate(argument: _fsmeta_v1_TruncateRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_TruncateResponse__Output>): grpc.ClientUnaryCall;
  Truncate(argument: _fsmeta_v1_TruncateRequest, callback: grpc.requestCallback<_fsmeta_v1_TruncateResponse__Output>): grpc.ClientUnaryCall;
  truncate(argument: _fsmeta_v1_TruncateRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_TruncateResponse__Output>): grpc.ClientUnaryCall;
  truncate(argument: _fsmeta_v1_TruncateRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_TruncateResponse__Output>): grpc.ClientUnaryCall;
  truncate(argument: _fsmeta_v1_TruncateRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_TruncateResponse__Output>): grpc.ClientUnaryCall;
  truncate(argument: _fsmeta_v1_TruncateRequest, callback: grpc.requestCallback<_fsmeta_v1_TruncateResponse__Output>): grpc.ClientUnaryCall;
  
  Unlink(argument: _fsmeta_v1_UnlinkRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_UnlinkResponse__Output>): grpc.ClientUnaryCall;
  Unlink(argument: _fsmeta_v1_UnlinkRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_UnlinkResponse__Output>): grpc.ClientUnaryCall;
  Unlink(argument: _fsmeta_v1_UnlinkRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_UnlinkResponse__Output>): grpc.ClientUnaryCall;
  Unlink(argument: _fsmeta_v1_UnlinkRequest, callback: grpc.requestCallback<_fsmeta_v1_UnlinkResponse__Output>): grpc.ClientUnaryCall;
  unlink(argument: _fsmeta_v1_UnlinkRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_UnlinkResponse__Output>): grpc.ClientUnaryCall;
  unlink(argument: _fsmeta_v1_UnlinkRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_UnlinkResponse__Output>): grpc.ClientUnaryCall;
  unlink(argument: _fsmeta_v1_UnlinkRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_UnlinkResponse__Output>): grpc.ClientUnaryCall;
  unlink(argument: _fsmeta_v1_UnlinkRequest, callback: grpc.requestCallback<_fsmeta_v1_UnlinkResponse__Output>): grpc.ClientUnaryCall;
  
  Watch(argument: _fsmeta_v1_WatchRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_fsmeta_v1_WatchResponse__Output>;
  Watch(argument: _fsmeta_v1_WatchRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_fsmeta_v1_WatchResponse__Output>;
  watch(argument: _fsmeta_v1_WatchRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_fsmeta_v1_WatchResponse__Output>;
  watch(argument: _fsmeta_v1_WatchRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_fsmeta_v1_WatchResponse__Output>;
  
  Write(argument: _fsmeta_v1_WriteRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_WriteResponse__Output>): grpc.ClientUnaryCall;
  Write(argument: _fsmeta_v1_WriteRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_WriteResponse__Output>): grpc.ClientUnaryCall;
  Write(argument: _fsmeta_v1_WriteRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_WriteResponse__Output>): grpc.ClientUnaryCall;
  Write(argument: _fsmeta_v1_WriteRequest, callback: grpc.requestCallback<_fsmeta_v1_WriteResponse__Output>): grpc.ClientUnaryCall;
  write(argument: _fsmeta_v1_WriteRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_WriteResponse__Output>): grpc.ClientUnaryCall;
  write(argument: _fsmeta_v1_WriteRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_fsmeta_v1_WriteResponse__Output>): grpc.ClientUnaryCall;
  write(argument: _fsmeta_v1_WriteRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_fsmeta_v1_WriteResponse__Output>): grpc.ClientUnaryCall;
  write(argument: _fsmeta_v1_WriteRequest, callback: grpc.requestCallback<_fsmeta_v1_WriteResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface MetaHandlers extends grpc.UntypedServiceImplementation {
  Access: grpc.handleUnaryCall<_fsmeta_v1_AccessRequest__Output, _fsmeta_v1_AccessResponse>;
  
  AckSliceDeletions: grpc.handleUnaryCall<_fsmeta_v1_AckSliceDeletionsRequest__Output, _fsmeta_v1_AckSliceDeletionsResponse>;
  
  ClaimCompaction: grpc.handleUnaryCall<_fsmeta_v1_ClaimCompactionRequest__Output, _fsmeta_v1_ClaimCompactionResponse>;
  
  ClaimSliceDeletions: grpc.handleUnaryCall<_fsmeta_v1_ClaimSliceDeletionsRequest__Output, _fsmeta_v1_ClaimSliceDeletionsResponse>;
  
  CleanupTrash: grpc.handleUnaryCall<_fsmeta_v1_CleanupTrashRequest__Output, _fsmeta_v1_CleanupTrashResponse>;
  
  Close: grpc.handleUnaryCall<_fsmeta_v1_CloseRequest__Output, _fsmeta_v1_CloseResponse>;
  
  CloseSession: grpc.handleUnaryCall<_fsmeta_v1_CloseSessionRequest__Output, _fsmeta_v1_CloseSessionResponse>;
  
  CommitCompaction: grpc.handleUnaryCall<_fsmeta_v1_CommitCompactionRequest__Output, _fsmeta_v1_CommitCompactionResponse>;
  
  CopyFileRange: grpc.handleUnaryCall<_fsmeta_v1_CopyFileRangeRequest__Output, _fsmeta_v1_CopyFileRangeResponse>;
  
  Create: grpc.handleUnaryCall<_fsmeta_v1_CreateRequest__Output, _fsmeta_v1_CreateResponse>;
  
  DeleteQuota: grpc.handleUnaryCall<_fsmeta_v1_DeleteQuotaRequest__Output, _fsmeta_v1_DeleteQuotaResponse>;
  
  Fallocate: grpc.handleUnaryCall<_fsmeta_v1_FallocateRequest__Output, _fsmeta_v1_FallocateResponse>;
  
  Flock: grpc.handleUnaryCall<_fsmeta_v1_FlockRequest__Output, _fsmeta_v1_FlockResponse>;
  
  Format: grpc.handleUnaryCall<_fsmeta_v1_FormatRequest__Output, _fsmeta_v1_FormatResponse>;
  
  GetAttr: grpc.handleUnaryCall<_fsmeta_v1_GetAttrRequest__Output, _fsmeta_v1_GetAttrResponse>;
  
  GetDirStat: grpc.handleUnaryCall<_fsmeta_v1_GetDirStatRequest__Output, _fsmeta_v1_GetDirStatResponse>;
  
  GetFormat: grpc.handleUnaryCall<_fsmeta_v1_GetFormatRequest__Output, _fsmeta_v1_GetFormatResponse>;
  
  GetLk: grpc.handleUnaryCall<_fsmeta_v1_GetLkRequest__Output, _fsmeta_v1_GetLkResponse>;
  
  GetQuota: grpc.handleUnaryCall<_fsmeta_v1_GetQuotaRequest__Output, _fsmeta_v1_GetQuotaResponse>;
  
  GetSummary: grpc.handleUnaryCall<_fsmeta_v1_GetSummaryRequest__Output, _fsmeta_v1_GetSummaryResponse>;
  
  GetXattr: grpc.handleUnaryCall<_fsmeta_v1_GetXattrRequest__Output, _fsmeta_v1_GetXattrResponse>;
  
  Heartbeat: grpc.handleUnaryCall<_fsmeta_v1_HeartbeatRequest__Output, _fsmeta_v1_HeartbeatResponse>;
  
  Link: grpc.handleUnaryCall<_fsmeta_v1_LinkRequest__Output, _fsmeta_v1_LinkResponse>;
  
  ListQuotas: grpc.handleUnaryCall<_fsmeta_v1_ListQuotasRequest__Output, _fsmeta_v1_ListQuotasResponse>;
  
  ListSessions: grpc.handleUnaryCall<_fsmeta_v1_ListSessionsRequest__Output, _fsmeta_v1_ListSessionsResponse>;
  
  ListXattr: grpc.handleUnaryCall<_fsmeta_v1_ListXattrRequest__Output, _fsmeta_v1_ListXattrResponse>;
  
  Lookup: grpc.handleUnaryCall<_fsmeta_v1_LookupRequest__Output, _fsmeta_v1_LookupResponse>;
  
  Mkdir: grpc.handleUnaryCall<_fsmeta_v1_MkdirRequest__Output, _fsmeta_v1_MkdirResponse>;
  
  Mknod: grpc.handleUnaryCall<_fsmeta_v1_MknodRequest__Output, _fsmeta_v1_MknodResponse>;
  
  NewSession: grpc.handleUnaryCall<_fsmeta_v1_NewSessionRequest__Output, _fsmeta_v1_NewSessionResponse>;
  
  NewSlices: grpc.handleUnaryCall<_fsmeta_v1_NewSlicesRequest__Output, _fsmeta_v1_NewSlicesResponse>;
  
  Open: grpc.handleUnaryCall<_fsmeta_v1_OpenRequest__Output, _fsmeta_v1_OpenResponse>;
  
  Read: grpc.handleUnaryCall<_fsmeta_v1_ReadRequest__Output, _fsmeta_v1_ReadResponse>;
  
  ReadLink: grpc.handleUnaryCall<_fsmeta_v1_ReadLinkRequest__Output, _fsmeta_v1_ReadLinkResponse>;
  
  Readdir: grpc.handleUnaryCall<_fsmeta_v1_ReaddirRequest__Output, _fsmeta_v1_ReaddirResponse>;
  
  RemoveXattr: grpc.handleUnaryCall<_fsmeta_v1_RemoveXattrRequest__Output, _fsmeta_v1_RemoveXattrResponse>;
  
  Rename: grpc.handleUnaryCall<_fsmeta_v1_RenameRequest__Output, _fsmeta_v1_RenameResponse>;
  
  RestoreTrash: grpc.handleUnaryCall<_fsmeta_v1_RestoreTrashRequest__Output, _fsmeta_v1_RestoreTrashResponse>;
  
  Rmdir: grpc.handleUnaryCall<_fsmeta_v1_RmdirRequest__Output, _fsmeta_v1_RmdirResponse>;
  
  SetAttr: grpc.handleUnaryCall<_fsmeta_v1_SetAttrRequest__Output, _fsmeta_v1_SetAttrResponse>;
  
  SetLk: grpc.handleUnaryCall<_fsmeta_v1_SetLkRequest__Output, _fsmeta_v1_SetLkResponse>;
  
  SetQuota: grpc.handleUnaryCall<_fsmeta_v1_SetQuotaRequest__Output, _fsmeta_v1_SetQuotaResponse>;
  
  SetXattr: grpc.handleUnaryCall<_fsmeta_v1_SetXattrRequest__Output, _fsmeta_v1_SetXattrResponse>;
  
  StatFS: grpc.handleUnaryCall<_fsmeta_v1_StatFSRequest__Output, _fsmeta_v1_StatFSResponse>;
  
  Symlink: grpc.handleUnaryCall<_fsmeta_v1_SymlinkRequest__Output, _fsmeta_v1_SymlinkResponse>;
  
  Truncate: grpc.handleUnaryCall<_fsmeta_v1_TruncateRequest__Output, _fsmeta_v1_TruncateResponse>;
  
  Unlink: grpc.handleUnaryCall<_fsmeta_v1_UnlinkRequest__Output, _fsmeta_v1_UnlinkResponse>;
  
  Watch: grpc.handleServerStreamingCall<_fsmeta_v1_WatchRequest__Output, _fsmeta_v1_WatchResponse>;
  
  Write: grpc.handleUnaryCall<_fsmeta_v1_WriteRequest__Output, _fsmeta_v1_WriteResponse>;
  
}

export interface MetaDefinition extends grpc.ServiceDefinition {
  Access: MethodDefinition<_fsmeta_v1_AccessRequest, _fsmeta_v1_AccessResponse, _fsmeta_v1_AccessRequest__Output, _fsmeta_v1_AccessResponse__Output>
  AckSliceDeletions: MethodDefinition<_fsmeta_v1_AckSliceDeletionsRequest, _fsmeta_v1_AckSliceDeletionsResponse, _fsmeta_v1_AckSliceDeletionsRequest__Output, _fsmeta_v1_AckSliceDeletionsResponse__Output>
  ClaimCompaction: MethodDefinition<_fsmeta_v1_ClaimCompactionRequest, _fsmeta_v1_ClaimCompactionResponse, _fsmeta_v1_ClaimCompactionRequest__Output, _fsmeta_v1_ClaimCompactionResponse__Output>
  ClaimSliceDeletions: MethodDefinition<_fsmeta_v1_ClaimSliceDeletionsRequest, _fsmeta_v1_ClaimSliceDeletionsResponse, _fsmeta_v1_ClaimSliceDeletionsRequest__Output, _fsmeta_v1_ClaimSliceDeletionsResponse__Output>
  CleanupTrash: MethodDefinition<_fsmeta_v1_CleanupTrashRequest, _fsmeta_v1_CleanupTrashResponse, _fsmeta_v1_CleanupTrashRequest__Output, _fsmeta_v1_CleanupTrashResponse__Output>
  Close: MethodDefinition<_fsmeta_v1_CloseRequest, _fsmeta_v1_CloseResponse, _fsmeta_v1_CloseRequest__Output, _fsmeta_v1_CloseResponse__Output>
  CloseSession: MethodDefinition<_fsmeta_v1_CloseSessionRequest, _fsmeta_v1_CloseSessionResponse, _fsmeta_v1_CloseSessionRequest__Output, _fsmeta_v1_CloseSessionResponse__Output>
  CommitCompaction: MethodDefinition<_fsmeta_v1_CommitCompactionRequest, _fsmeta_v1_CommitCompactionResponse, _fsmeta_v1_CommitCompactionRequest__Output, _fsmeta_v1_CommitCompactionResponse__Output>
  CopyFileRange: MethodDefinition<_fsmeta_v1_CopyFileRangeRequest, _fsmeta_v1_CopyFileRangeResponse, _fsmeta_v1_CopyFileRangeRequest__Output, _fsmeta_v1_CopyFileRangeResponse__Output>
  Create: MethodDefinition<_fsmeta_v1_CreateRequest, _fsmeta_v1_CreateResponse, _fsmeta_v1_CreateRequest__Output, _fsmeta_v1_CreateResponse__Output>
  DeleteQuota: MethodDefinition<_fsmeta_v1_DeleteQuotaRequest, _fsmeta_v1_DeleteQuotaResponse, _fsmeta_v1_DeleteQuotaRequest__Output, _fsmeta_v1_DeleteQuotaResponse__Output>
  Fallocate: MethodDefinition<_fsmeta_v1_FallocateRequest, _fsmeta_v1_FallocateResponse, _fsmeta_v1_FallocateRequest__Output, _fsmeta_v1_FallocateResponse__Output>
  Flock: MethodDefinition<_fsmeta_v1_FlockRequest, _fsmeta_v1_FlockResponse, _fsmeta_v1_FlockRequest__Output, _fsmeta_v1_FlockResponse__Output>
  Format: MethodDefinition<_fsmeta_v1_FormatRequest, _fsmeta_v1_FormatResponse, _fsmeta_v1_FormatRequest__Output, _fsmeta_v1_FormatResponse__Output>
  GetAttr: MethodDefinition<_fsmeta_v1_GetAttrRequest, _fsmeta_v1_GetAttrResponse, _fsmeta_v1_GetAttrRequest__Output, _fsmeta_v1_GetAttrResponse__Output>
  GetDirStat: MethodDefinition<_fsmeta_v1_GetDirStatRequest, _fsmeta_v1_GetDirStatResponse, _fsmeta_v1_GetDirStatRequest__Output, _fsmeta_v1_GetDirStatResponse__Output>
  GetFormat: MethodDefinition<_fsmeta_v1_GetFormatRequest, _fsmeta_v1_GetFormatResponse, _fsmeta_v1_GetFormatRequest__Output, _fsmeta_v1_GetFormatResponse__Output>
  GetLk: MethodDefinition<_fsmeta_v1_GetLkRequest, _fsmeta_v1_GetLkResponse, _fsmeta_v1_GetLkRequest__Output, _fsmeta_v1_GetLkResponse__Output>
  GetQuota: MethodDefinition<_fsmeta_v1_GetQuotaRequest, _fsmeta_v1_GetQuotaResponse, _fsmeta_v1_GetQuotaRequest__Output, _fsmeta_v1_GetQuotaResponse__Output>
  GetSummary: MethodDefinition<_fsmeta_v1_GetSummaryRequest, _fsmeta_v1_GetSummaryResponse, _fsmeta_v1_GetSummaryRequest__Output, _fsmeta_v1_GetSummaryResponse__Output>
  GetXattr: MethodDefinition<_fsmeta_v1_GetXattrRequest, _fsmeta_v1_GetXattrResponse, _fsmeta_v1_GetXattrRequest__Output, _fsmeta_v1_GetXattrResponse__Output>
  Heartbeat: MethodDefinition<_fsmeta_v1_HeartbeatRequest, _fsmeta_v1_HeartbeatResponse, _fsmeta_v1_HeartbeatRequest__Output, _fsmeta_v1_HeartbeatResponse__Output>
  Link: MethodDefinition<_fsmeta_v1_LinkRequest, _fsmeta_v1_LinkResponse, _fsmeta_v1_LinkRequest__Output, _fsmeta_v1_LinkResponse__Output>
  ListQuotas: MethodDefinition<_fsmeta_v1_ListQuotasRequest, _fsmeta_v1_ListQuotasResponse, _fsmeta_v1_ListQuotasRequest__Output, _fsmeta_v1_ListQuotasResponse__Output>
  ListSessions: MethodDefinition<_fsmeta_v1_ListSessionsRequest, _fsmeta_v1_ListSessionsResponse, _fsmeta_v1_ListSessionsRequest__Output, _fsmeta_v1_ListSessionsResponse__Output>
  ListXattr: MethodDefinition<_fsmeta_v1_ListXattrRequest, _fsmeta_v1_ListXattrResponse, _fsmeta_v1_ListXattrRequest__Output, _fsmeta_v1_ListXattrResponse__Output>
  Lookup: MethodDefinition<_fsmeta_v1_LookupRequest, _fsmeta_v1_LookupResponse, _fsmeta_v1_LookupRequest__Output, _fsmeta_v1_LookupResponse__Output>
  Mkdir: MethodDefinition<_fsmeta_v1_MkdirRequest, _fsmeta_v1_MkdirResponse, _fsmeta_v1_MkdirRequest__Output, _fsmeta_v1_MkdirResponse__Output>
  Mknod: MethodDefinition<_fsmeta_v1_MknodRequest, _fsmeta_v1_MknodResponse, _fsmeta_v1_MknodRequest__Output, _fsmeta_v1_MknodResponse__Output>
  NewSession: MethodDefinition<_fsmeta_v1_NewSessionRequest, _fsmeta_v1_NewSessionResponse, _fsmeta_v1_NewSessionRequest__Output, _fsmeta_v1_NewSessionResponse__Output>
  NewSlices: MethodDefinition<_fsmeta_v1_NewSlicesRequest, _fsmeta_v1_NewSlicesResponse, _fsmeta_v1_NewSlicesRequest__Output, _fsmeta_v1_NewSlicesResponse__Output>
  Open: MethodDefinition<_fsmeta_v1_OpenRequest, _fsmeta_v1_OpenResponse, _fsmeta_v1_OpenRequest__Output, _fsmeta_v1_OpenResponse__Output>
  Read: MethodDefinition<_fsmeta_v1_ReadRequest, _fsmeta_v1_ReadResponse, _fsmeta_v1_ReadRequest__Output, _fsmeta_v1_ReadResponse__Output>
  ReadLink: MethodDefinition<_fsmeta_v1_ReadLinkRequest, _fsmeta_v1_ReadLinkResponse, _fsmeta_v1_ReadLinkRequest__Output, _fsmeta_v1_ReadLinkResponse__Output>
  Readdir: MethodDefinition<_fsmeta_v1_ReaddirRequest, _fsmeta_v1_ReaddirResponse, _fsmeta_v1_ReaddirRequest__Output, _fsmeta_v1_ReaddirResponse__Output>
  RemoveXattr: MethodDefinition<_fsmeta_v1_RemoveXattrRequest, _fsmeta_v1_RemoveXattrResponse, _fsmeta_v1_RemoveXattrRequest__Output, _fsmeta_v1_RemoveXattrResponse__Output>
  Rename: MethodDefinition<_fsmeta_v1_RenameRequest, _fsmeta_v1_RenameResponse, _fsmeta_v1_RenameRequest__Output, _fsmeta_v1_RenameResponse__Output>
  RestoreTrash: MethodDefinition<_fsmeta_v1_RestoreTrashRequest, _fsmeta_v1_RestoreTrashResponse, _fsmeta_v1_RestoreTrashRequest__Output, _fsmeta_v1_RestoreTrashResponse__Output>
  Rmdir: MethodDefinition<_fsmeta_v1_RmdirRequest, _fsmeta_v1_RmdirResponse, _fsmeta_v1_RmdirRequest__Output, _fsmeta_v1_RmdirResponse__Output>
  SetAttr: MethodDefinition<_fsmeta_v1_SetAttrRequest, _fsmeta_v1_SetAttrResponse, _fsmeta_v1_SetAttrRequest__Output, _fsmeta_v1_SetAttrResponse__Output>
  SetLk: MethodDefinition<_fsmeta_v1_SetLkRequest, _fsmeta_v1_SetLkResponse, _fsmeta_v1_SetLkRequest__Output, _fsmeta_v1_SetLkResponse__Output>
  SetQuota: MethodDefinition<_fsmeta_v1_SetQuotaRequest, _fsmeta_v1_SetQuotaResponse, _fsmeta_v1_SetQuotaRequest__Output, _fsmeta_v1_SetQuotaResponse__Output>
  SetXattr: MethodDefinition<_fsmeta_v1_SetXattrRequest, _fsmeta_v1_SetXattrResponse, _fsmeta_v1_SetXattrRequest__Output, _fsmeta_v1_SetXattrResponse__Output>
  StatFS: MethodDefinition<_fsmeta_v1_StatFSRequest, _fsmeta_v1_StatFSResponse, _fsmeta_v1_StatFSRequest__Output, _fsmeta_v1_StatFSResponse__Output>
  Symlink: MethodDefinition<_fsmeta_v1_SymlinkRequest, _fsmeta_v1_SymlinkResponse, _fsmeta_v1_SymlinkRequest__Output, _fsmeta_v1_SymlinkResponse__Output>
  Truncate: MethodDefinition<_fsmeta_v1_TruncateRequest, _fsmeta_v1_TruncateResponse, _fsmeta_v1_TruncateRequest__Output, _fsmeta_v1_TruncateResponse__Output>
  Unlink: MethodDefinition<_fsmeta_v1_UnlinkRequest, _fsmeta_v1_UnlinkResponse, _fsmeta_v1_UnlinkRequest__Output, _fsmeta_v1_UnlinkResponse__Output>
  Watch: MethodDefinition<_fsmeta_v1_WatchRequest, _fsmeta_v1_WatchResponse, _fsmeta_v1_WatchRequest__Output, _fsmeta_v1_WatchResponse__Output>
  Write: MethodDefinition<_fsmeta_v1_WriteRequest, _fsmeta_v1_WriteResponse, _fsmeta_v1_WriteRequest__Output, _fsmeta_v1_WriteResponse__Output>
}
